"""PackageIndexes: what is derived from the packages to answer who depends on a package and
what a user maintains. Written after the package item, which is the truth; rebuildable."""

from __future__ import annotations

from typing import Protocol


class PackageIndexes(Protocol):
    def index_dependencies(
        self, dependent: str, version: str, dependencies: list[str], *, present: bool
    ) -> None:
        """Record (present=True) or forget that dependent@version depends on each name in
        `dependencies`. A derived index: written after the version, rebuildable."""

    def dependents(self, name: str) -> list[str]:
        """The distinct packages, other than `name`, with a recorded version depending on it."""

    def index_maintainer(self, user: str, package: str, *, present: bool) -> None:
        """Record (present=True) or forget that `user` maintains `package`: the index behind
        `maintained_by`. A derived index, written after the package item, which is the truth."""

    def maintained_by(self, user: str) -> list[str]:
        """Packages the index says `user` maintains, sorted (the caller confirms each)."""
