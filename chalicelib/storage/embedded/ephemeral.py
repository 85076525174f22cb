"""The embedded EphemeralStore: table `ephemeral` (kind, key) -> doc, expires, version.

A row whose `expires` has passed is missing to every reader and writer: `get` skips it, `put_new`
replaces it, `replace` and `delete` refuse it. SQLite has no TTL, so writes that start something
new (`put_new`, a fresh `increment` window) also sweep expired rows (an index on `expires` keeps
that cheap). Every method is one `BEGIN IMMEDIATE` transaction, so `increment` is atomic.

A counter (`increment`) is a row with doc `{}` whose `version` is the count in its window.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from chalicelib.errors import ConcurrentModificationError, ConflictError
from chalicelib.storage.codec import check_kind, dumps
from chalicelib.storage.embedded.database import SqliteDatabase
from chalicelib.storage.records import Expiring


class SqliteEphemeralStore:
    def __init__(self, db: SqliteDatabase, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    def put_new(self, item: Expiring) -> None:
        check_kind(item.kind)
        now = self._clock()
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM ephemeral WHERE expires <= ?", (now,))
            cursor = conn.execute(
                "INSERT OR IGNORE INTO ephemeral (kind, key, doc, expires, version)"
                " VALUES (?, ?, ?, ?, ?)",
                (item.kind, item.key, dumps(item.doc), item.expires, item.version),
            )
            if cursor.rowcount != 1:
                raise ConflictError(f"{item.kind} {item.key!r} exists")

    def get(self, kind: str, key: str) -> Expiring | None:
        rows = self._db.read(
            "SELECT doc, expires, version FROM ephemeral"
            " WHERE kind = ? AND key = ? AND expires > ?",
            (kind, key, self._clock()),
        )
        if not rows:
            return None
        doc, expires, version = rows[0]
        return Expiring(
            kind=kind,
            key=key,
            doc=json.loads(str(doc)),
            expires=float(str(expires)),
            version=int(str(version)),
        )

    def replace(self, item: Expiring, expected_version: int) -> None:
        if item.version != expected_version + 1:
            raise ValueError(f"replace needs version {expected_version + 1}, got {item.version}")
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE ephemeral SET doc = ?, expires = ?, version = ?"
                " WHERE kind = ? AND key = ? AND version = ? AND expires > ?",
                (
                    dumps(item.doc),
                    item.expires,
                    item.version,
                    item.kind,
                    item.key,
                    expected_version,
                    self._clock(),
                ),
            )
            if cursor.rowcount != 1:
                raise ConcurrentModificationError(
                    f"{item.kind} {item.key!r} is gone or not at version {expected_version}"
                )

    def delete(self, kind: str, key: str, expected_version: int | None = None) -> bool:
        sql = "DELETE FROM ephemeral WHERE kind = ? AND key = ? AND expires > ?"
        params: tuple[object, ...] = (kind, key, self._clock())
        if expected_version is not None:
            sql += " AND version = ?"
            params += (expected_version,)
        with self._db.transaction() as conn:
            return bool(conn.execute(sql, params).rowcount == 1)

    def increment(self, kind: str, key: str, window_seconds: float) -> int:
        check_kind(kind)
        now = self._clock()
        with self._db.transaction() as conn:
            # No RETURNING (SQLite 3.35+): the write lock makes update-then-read atomic anyway.
            cursor = conn.execute(
                "UPDATE ephemeral SET version = version + 1"
                " WHERE kind = ? AND key = ? AND expires > ?",
                (kind, key, now),
            )
            if cursor.rowcount == 1:
                row = conn.execute(
                    "SELECT version FROM ephemeral WHERE kind = ? AND key = ?", (kind, key)
                ).fetchone()
                return int(row[0])
            conn.execute("DELETE FROM ephemeral WHERE expires <= ?", (now,))
            conn.execute(
                "INSERT INTO ephemeral (kind, key, doc, expires, version)"
                " VALUES (?, ?, '{}', ?, 1)",
                (kind, key, now + window_seconds),
            )
            return 1
