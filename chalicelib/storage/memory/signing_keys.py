"""The memory SigningKeyStore: the key ring and a version counter, replaced by compare-and-swap
(two threads starting at once make one first key, not two)."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.errors import ConflictError
from chalicelib.storage.memory.database import MemoryDatabase
from chalicelib.storage.records import KeyRing, SigningKey


class MemorySigningKeyStore:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    def load(self, *, fresh: bool = False) -> KeyRing:
        with self._db.lock:
            version = self._db.signing_keys_version
            return KeyRing(self._db.signing_keys, str(version) if version else None)

    def save(self, keys: Sequence[SigningKey], expected_version: str | None) -> None:
        with self._db.lock:
            version = self._db.signing_keys_version
            if (str(version) if version else None) != expected_version:
                raise ConflictError("The signing keys were changed by another writer")
            self._db.signing_keys = tuple(keys)  # every field of a key is immutable
            self._db.signing_keys_version = version + 1
