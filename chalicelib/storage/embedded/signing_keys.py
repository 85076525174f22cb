"""The embedded SigningKeyStore: one row holding the key ring and a version counter, so a
compare-and-swap is one `BEGIN IMMEDIATE` transaction (two workers starting at once make one
first key, not two)."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.errors import ConflictError
from chalicelib.storage.codec import signing_keys_from_json, signing_keys_to_json
from chalicelib.storage.embedded.database import SqliteDatabase
from chalicelib.storage.records import KeyRing, SigningKey


class SqliteSigningKeyStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def load(self, *, fresh: bool = False) -> KeyRing:
        rows = self._db.read("SELECT doc, version FROM signing_keys WHERE id = 1")
        if not rows:
            return KeyRing((), None)
        doc, version = rows[0]
        return KeyRing(signing_keys_from_json(str(doc)), str(version))

    def save(self, keys: Sequence[SigningKey], expected_version: str | None) -> None:
        with self._db.transaction() as conn:
            row = conn.execute("SELECT version FROM signing_keys WHERE id = 1").fetchone()
            stored = None if row is None else str(row[0])
            if stored != expected_version:
                raise ConflictError("The signing keys were changed by another writer")
            conn.execute(
                "INSERT INTO signing_keys (id, doc, version) VALUES (1, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version",
                (signing_keys_to_json(keys), 1 if row is None else int(row[0]) + 1),
            )
