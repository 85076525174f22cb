"""The memory StageStore: staged versions by id (in the order they were staged) and by package
and version, which is unique: a version is staged once."""

from __future__ import annotations

from chalicelib.errors import VersionExistsError
from chalicelib.storage.memory.database import MemoryDatabase
from chalicelib.storage.records import StagedVersion


class MemoryStageStore:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    def stage(self, staged: StagedVersion) -> None:
        db = self._db
        with db.lock:
            if staged.id in db.staged or (staged.package, staged.version) in db.staged_ids:
                raise VersionExistsError(f"{staged.package}@{staged.version} is staged already")
            db.staged[staged.id] = staged  # every field is immutable
            db.staged_ids[(staged.package, staged.version)] = staged.id

    def staged(self, id: str) -> StagedVersion | None:
        with self._db.lock:
            return self._db.staged.get(id)

    def staged_versions(self, package: str) -> list[StagedVersion]:
        with self._db.lock:
            return [s for s in self._db.staged.values() if s.package == package]

    def unstage(self, id: str) -> bool:
        db = self._db
        with db.lock:
            staged = db.staged.pop(id, None)
            if staged is None:
                return False
            del db.staged_ids[(staged.package, staged.version)]
            return True
