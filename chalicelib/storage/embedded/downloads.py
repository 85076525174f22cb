"""The embedded DownloadStore: `downloads` (package, day, version) -> count, added to with an
upsert in one transaction per batch."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from chalicelib.storage.embedded.database import SqliteDatabase

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS downloads ("
    " package TEXT NOT NULL, day TEXT NOT NULL, version TEXT NOT NULL, count INTEGER NOT NULL,"
    " PRIMARY KEY (package, day, version)) WITHOUT ROWID"
)


class SqliteDownloadStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        with db.transaction() as conn:
            conn.execute(_SCHEMA)

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
