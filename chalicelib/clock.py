"""Timestamps as npm writes them: ISO 8601 in UTC with milliseconds and a `Z`."""

from __future__ import annotations

from datetime import UTC, datetime


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
