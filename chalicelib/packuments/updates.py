"""The package item as one more write leaves it."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.clock import now_iso
from chalicelib.storage.records import PackageRecord


def next_rev(package: PackageRecord, **changes: object) -> PackageRecord:
    """The package as it is after one more mutation: rev and `time.modified` always move."""
    return replace(package, rev=package.rev + 1, modified=now_iso(), **changes)  # type: ignore[arg-type]
