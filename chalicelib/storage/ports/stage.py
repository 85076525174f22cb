"""StageStore: versions staged for publishing (npm stage)."""

from __future__ import annotations

from typing import Protocol

from chalicelib.storage.records import StagedVersion


class StageStore(Protocol):
    """Staged versions by package, and by id."""

    def stage(self, staged: StagedVersion) -> None:
        """VersionExistsError when that version of the package is staged already."""

    def staged(self, id: str) -> StagedVersion | None: ...

    def staged_versions(self, package: str) -> list[StagedVersion]:
        """The package's, oldest first."""

    def unstage(self, id: str) -> bool:
        """False when none has that id."""
