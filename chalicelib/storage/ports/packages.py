"""PackageStore: packages and their versions. Its writes also append to the change log
(changes.py) in the same transaction; the indexes derived from packages are indexes.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chalicelib.storage.records import JSON, PackageRecord, VersionRecord


class PackageStore(Protocol):
    """Every write (create_package, add_version, update_package) appends one Change to the
    change log in the same transaction: a write that fails logs nothing, and a logged change
    is always visible in the package. `events` is what the write did (npm hooks' events);
    `revived` says an add_version publishes a fully unpublished package again (for the counts
    in the log head: the store does not read the old item to find out)."""

    def get_package(self, name: str) -> PackageRecord | None: ...

    def get_packages(self, names: Sequence[str]) -> dict[str, PackageRecord]:
        """The packages that exist among `names`, by name: one batch read."""

    def get_version(self, name: str, version: str) -> VersionRecord | None: ...

    def list_versions(self, name: str) -> list[VersionRecord]: ...

    def create_package(
        self, package: PackageRecord, version: VersionRecord, events: Sequence[JSON] = ()
    ) -> None:
        """Create package and first version at once.

        PackageExistsError if the name is taken, also by a name that differs only by case."""

    def add_version(
        self,
        package: PackageRecord,
        version: VersionRecord,
        expected_rev: int,
        events: Sequence[JSON] = (),
        *,
        revived: bool = False,
    ) -> None:
        """Write a new version and the updated package at once. VersionExistsError when the
        version was ever written; ConcurrentModificationError when `rev` moved on."""

    def update_package(
        self, package: PackageRecord, expected_rev: int, events: Sequence[JSON] = ()
    ) -> None:
        """Replace the package item if its rev is still `expected_rev`. The old package is
        never a tombstone (the domain refuses to change one), so a tombstone here deletes."""

    def packages_in_scope(self, scope: str) -> list[str]:
        """The names of every package ever created under `@scope/` (fully unpublished ones
        included: the caller reads each package), sorted."""
