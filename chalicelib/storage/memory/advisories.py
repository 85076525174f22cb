"""The memory AdvisoryStore: package -> advisory id -> advisory."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.storage.memory.database import MemoryDatabase
from chalicelib.storage.records import Advisory


class MemoryAdvisoryStore:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    def put_advisories(self, advisories: Sequence[Advisory]) -> None:
        with self._db.lock:
            for advisory in advisories:  # every field is immutable: stored as given
                self._db.advisories.setdefault(advisory.package, {})[advisory.id] = advisory

    def advisories_for(self, names: Sequence[str]) -> dict[str, list[Advisory]]:
        found: dict[str, list[Advisory]] = {}
        with self._db.lock:
            for name in set(names):
                stored = self._db.advisories.get(name)
                if stored:
                    found[name] = [stored[id] for id in sorted(stored)]  # by id, as stored
        return found
