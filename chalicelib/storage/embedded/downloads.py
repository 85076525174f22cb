"""The embedded DownloadStore: `downloads` (package, day, version) -> count, added to with an
upsert in one transaction per batch."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from chalicelib.storage.embedded.database import SqliteDatabase


class SqliteDownloadStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def add_counts(self, counts: Mapping[tuple[str, str, str], int]) -> None:
        with self._db.transaction() as conn:
            conn.executemany(
                "INSERT INTO downloads (package, day, version, count) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (package, day, version) DO UPDATE SET count = count + excluded.count",
                [(package, day, version, n) for (package, version, day), n in counts.items()],
            )

    def daily(self, package: str, start: str, end: str) -> dict[str, int]:
        rows = self._db.read(
            "SELECT day, sum(count) FROM downloads WHERE package = ? AND day BETWEEN ? AND ?"
            " GROUP BY day",
            (package, start, end),
        )
        return {str(day): int(str(total)) for day, total in rows}

    def all_counts(self) -> Iterator[tuple[str, str, str, int]]:
        # The rows are already in add_counts' terms: a version's own, and "" for the rest.
        rows = self._db.read("SELECT package, version, day, count FROM downloads")
        return ((str(p), str(v), str(d), int(str(n))) for p, v, d, n in rows)
