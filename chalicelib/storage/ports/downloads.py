"""DownloadStore: download counts by package, version and day."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Protocol


class DownloadStore(Protocol):
    """Download counts by package, version and day (YYYY-MM-DD, UTC)."""

    def add_counts(self, counts: Mapping[tuple[str, str, str], int]) -> None:
        """Add (never replace) each (package, version, day) -> n; version "" counts toward the
        day alone. Safe to run twice at once: additions commute."""

    def daily(self, package: str, start: str, end: str) -> dict[str, int]:
        """day -> downloads, for the days from `start` to `end` (inclusive) that have any."""

    def all_counts(self) -> Iterator[tuple[str, str, str, int]]:
        """Every stored count as (package, version, day, n), in no order, such that
        `add_counts` of them all into an empty store stores the same counts: a version's count
        of a day, and (version "") the rest of the day's count. For `tarbox export`."""
