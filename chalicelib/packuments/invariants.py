"""All the rules of a package document, in one pure function every write path calls.

This is npm-registry-couchapp's `validate_doc_update` moved out of the database: given the package
as it is, as it would be, and who asks, accept the change or say why not. Every write path
(writes/pipeline.py, publish/service.py, writes/replay.py) builds the `new` view from its own
change and calls `check_transition` before storing anything; the table of cases is
`tests/unit/packuments/test_invariants.py`.

A copy of another registry's package (a mirror, an import) has no one asking: it keeps the
people and the history its source has, so only the rules of the document apply to it (a
published version never changes, dist-tags and deprecations name live versions). It may bring
back versions gone here: a mirror that lost sight of a package (the source answered 404) left a
tombstone, and restores the package when the source serves it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.errors import (
    InvariantViolationError,
    PermissionDeniedError,
    VersionAlreadyPublishedError,
)
from chalicelib.storage.records import PackageRecord, VersionRecord

LATEST = "latest"


@dataclass(frozen=True)
class PackageView:
    """What the rules look at. `versions` holds the live versions' manifests (without
    `deprecated`); `ever_published` every version number ever used, unpublished ones included."""

    name: str
    dist_tags: dict[str, str]
    maintainers: frozenset[str]
    versions: dict[str, dict[str, Any]]
    deprecated: dict[str, str] = field(default_factory=dict)
    users: dict[str, bool] = field(default_factory=dict)
    ever_published: frozenset[str] = frozenset()
    access: str = "public"
    mfa: str = "none"
    # Who may change it: maintainers, plus org owners and read-write teams (orgs/grants.py).
    # None: the maintainers alone.
    writers: frozenset[str] | None = None


def view_of(
    package: PackageRecord,
    versions: list[VersionRecord],
    writers: frozenset[str] | None = None,
) -> PackageView:
    gone = set(package.unpublished) | set((package.tombstone or {}).get("versions", []))
    return PackageView(
        name=package.name,
        dist_tags=dict(package.dist_tags),
        maintainers=frozenset(m.name for m in package.maintainers),
        versions={v.version: v.manifest for v in versions if v.version not in gone},
        deprecated=dict(package.deprecated),
        users=dict(package.users),
        ever_published=frozenset(v.version for v in versions),
        access=package.access,
        mfa=package.mfa,
        writers=writers,
    )


def check_transition(old: PackageView | None, new: PackageView, actor: str | None) -> None:
    """Raise unless the user named `actor` may turn `old` (None: no such package yet) into
    `new`. `actor` None: a copy of another registry's package, which the people rules skip."""
    if old is None and actor is not None:
        _check_new_package(new, actor)
    if old is not None:
        if old.name != new.name:
            raise InvariantViolationError(f"The document's name must stay {old.name!r}")
        if actor is not None:
            _check_actor(old, new, actor)
        _check_versions(old, new, copy=actor is None)
    _check_document(new, copy=actor is None)


def _check_new_package(new: PackageView, actor: str) -> None:
    if new.maintainers != {actor}:
        raise PermissionDeniedError("A new package's only maintainer is its publisher")
    if not new.versions:
        raise InvariantViolationError("A new package needs a version")


def _check_actor(old: PackageView, new: PackageView, actor: str) -> None:
    writers = old.maintainers if old.writers is None else old.writers
    if _changed_beyond_stars(old, new) and actor not in writers:
        raise PermissionDeniedError(
            f"You do not have permission to change {old.name!r}. "
            "Are you logged in as the correct user?"
        )
    changed_stars = {
        u for u in set(old.users) | set(new.users) if old.users.get(u) != new.users.get(u)
    }
    if changed_stars - {actor}:
        raise PermissionDeniedError("You can only star or unstar a package as yourself")


def _changed_beyond_stars(old: PackageView, new: PackageView) -> bool:
    return (
        old.dist_tags != new.dist_tags
        or old.maintainers != new.maintainers
        or old.versions != new.versions
        or old.deprecated != new.deprecated
        or old.access != new.access
        or old.mfa != new.mfa
    )


def _check_versions(old: PackageView, new: PackageView, *, copy: bool) -> None:
    for version in set(old.versions) & set(new.versions):
        if old.versions[version] != new.versions[version]:
            raise InvariantViolationError(
                f"Published versions are immutable (only `deprecated` may change): {version}"
            )
    reused = sorted((set(new.versions) - set(old.versions)) & old.ever_published)
    if reused and not copy:
        # npm's unpublish policy: a name@version once used is never available again.
        raise VersionAlreadyPublishedError(
            f"You cannot publish over the previously published versions: {', '.join(reused)}."
        )


def _check_document(new: PackageView, *, copy: bool) -> None:
    for tag, version in new.dist_tags.items():
        if version not in new.versions:
            raise InvariantViolationError(f"dist-tag {tag!r} points at a missing version {version}")
    missing = sorted(set(new.deprecated) - set(new.versions))
    if missing:
        raise InvariantViolationError(f"Cannot deprecate missing versions: {', '.join(missing)}")
    if copy:  # as its source has it: npm picks the highest version when there is no `latest`
        return
    if new.versions and LATEST not in new.dist_tags:
        # "Every package will have a `latest` tag defined" (registry docs, package-metadata.md).
        raise InvariantViolationError("A package must keep a latest tag")
    if new.versions and not new.maintainers:
        raise InvariantViolationError("A package must keep at least one owner")
