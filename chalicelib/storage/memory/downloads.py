"""The memory DownloadStore: package -> (day, version) -> count, added to under the lock."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from chalicelib.storage.memory.database import MemoryDatabase


class MemoryDownloadStore:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    def add_counts(self, counts: Mapping[tuple[str, str, str], int]) -> None:
        with self._db.lock:
            for (package, version, day), n in counts.items():
                days = self._db.downloads.setdefault(package, {})
                days[(day, version)] = days.get((day, version), 0) + n

    def daily(self, package: str, start: str, end: str) -> dict[str, int]:
        totals: dict[str, int] = {}
        with self._db.lock:
            for (day, _), n in self._db.downloads.get(package, {}).items():
                if start <= day <= end:
                    totals[day] = totals.get(day, 0) + n
        return totals

    def all_counts(self) -> Iterator[tuple[str, str, str, int]]:
        # Stored in add_counts' terms already: a version's own, and "" for the rest of the day.
        with self._db.lock:
            found = [
                (package, version, day, n)
                for package, days in self._db.downloads.items()
                for (day, version), n in days.items()
            ]
        return iter(found)
