"""The memory TrustStore: package -> its trusted publishers, oldest first."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.storage.memory.database import MemoryDatabase, copied
from chalicelib.storage.records import TrustedPublisher


class MemoryTrustStore:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    def trusted_publishers(self, package: str) -> list[TrustedPublisher]:
        with self._db.lock:
            return copied(self._db.trusted.get(package, []))

    def add_trusted_publishers(self, package: str, added: Sequence[TrustedPublisher]) -> None:
        with self._db.lock:
            self._db.trusted.setdefault(package, []).extend(copied(list(added)))

    def remove_trusted_publisher(self, package: str, id: str) -> bool:
        with self._db.lock:
            stored = self._db.trusted.get(package, [])
            kept = [p for p in stored if p.id != id]
            if len(kept) == len(stored):
                return False
            self._db.trusted[package] = kept
            return True
