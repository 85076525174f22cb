"""The embedded AdvisoryStore: `advisories`, one row per package holding its advisories as a JSON
list, so an audit of hundreds of packages is a few `IN (…)` reads."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.storage.codec import (
    advisories_by_package,
    advisories_from_json,
    advisories_to_json,
    merged_advisories,
)
from chalicelib.storage.embedded.database import SqliteDatabase
from chalicelib.storage.records import Advisory

_CHUNK = 500  # names per IN (…): well under SQLite's bound-parameter limit


class SqliteAdvisoryStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def put_advisories(self, advisories: Sequence[Advisory]) -> None:
        with self._db.transaction() as conn:
            for package, added in advisories_by_package(advisories).items():
                row = conn.execute(
                    "SELECT doc FROM advisories WHERE package = ?", (package,)
                ).fetchone()
                stored = advisories_from_json(str(row[0])) if row else []
                conn.execute(
                    "INSERT INTO advisories (package, doc) VALUES (?, ?)"
                    " ON CONFLICT (package) DO UPDATE SET doc = excluded.doc",
                    (package, advisories_to_json(merged_advisories(stored, added))),
                )

    def advisories_for(self, names: Sequence[str]) -> dict[str, list[Advisory]]:
        unique = sorted(set(names))
        found: dict[str, list[Advisory]] = {}
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT package, doc FROM advisories WHERE package IN ({marks})"  # noqa: S608
            for package, doc in self._db.read(sql, tuple(chunk)):
                found[str(package)] = advisories_from_json(str(doc))
        return found
