"""The embedded TrustStore: `trusted_publishers`, one row per package holding its trusted
publishers as a JSON list, changed inside one `BEGIN IMMEDIATE` transaction."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.storage.codec import trusted_from_json, trusted_to_json
from chalicelib.storage.embedded.database import SqliteDatabase
from chalicelib.storage.records import TrustedPublisher

_UPSERT = (
    "INSERT INTO trusted_publishers (package, doc) VALUES (?, ?)"
    " ON CONFLICT (package) DO UPDATE SET doc = excluded.doc"
)


class SqliteTrustStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def trusted_publishers(self, package: str) -> list[TrustedPublisher]:
        rows = self._db.read("SELECT doc FROM trusted_publishers WHERE package = ?", (package,))
        return trusted_from_json(str(rows[0][0])) if rows else []

    def add_trusted_publishers(self, package: str, added: Sequence[TrustedPublisher]) -> None:
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT doc FROM trusted_publishers WHERE package = ?", (package,)
            ).fetchone()
            stored = trusted_from_json(str(row[0])) if row else []
            conn.execute(_UPSERT, (package, trusted_to_json([*stored, *added])))

    def remove_trusted_publisher(self, package: str, id: str) -> bool:
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT doc FROM trusted_publishers WHERE package = ?", (package,)
            ).fetchone()
            stored = trusted_from_json(str(row[0])) if row else []
            kept = [p for p in stored if p.id != id]
            if len(kept) == len(stored):
                return False
            conn.execute(_UPSERT, (package, trusted_to_json(kept)))
            return True
