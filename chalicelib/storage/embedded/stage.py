"""The embedded StageStore: `staged_versions`, one row per staged version, unique by package and
version (npm: a version is staged once, and published or staged, never both)."""

from __future__ import annotations

import sqlite3

from chalicelib.errors import VersionExistsError
from chalicelib.storage.codec import staged_from_json, staged_to_json
from chalicelib.storage.embedded.database import SqliteDatabase
from chalicelib.storage.records import StagedVersion


class SqliteStageStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def stage(self, staged: StagedVersion) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO staged_versions (id, package, version, doc) VALUES (?, ?, ?, ?)",
                    (staged.id, staged.package, staged.version, staged_to_json(staged)),
                )
        except sqlite3.IntegrityError:
            raise VersionExistsError(
                f"{staged.package}@{staged.version} is staged already"
            ) from None

    def staged(self, id: str) -> StagedVersion | None:
        rows = self._db.read("SELECT doc FROM staged_versions WHERE id = ?", (id,))
        return staged_from_json(str(rows[0][0])) if rows else None

    def staged_versions(self, package: str) -> list[StagedVersion]:
        rows = self._db.read(
            "SELECT doc FROM staged_versions WHERE package = ? ORDER BY rowid", (package,)
        )
        return [staged_from_json(str(row[0])) for row in rows]

    def unstage(self, id: str) -> bool:
        with self._db.transaction() as conn:
            return conn.execute("DELETE FROM staged_versions WHERE id = ?", (id,)).rowcount > 0
