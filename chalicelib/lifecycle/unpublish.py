"""`npm unpublish pkg@version` and `npm unpublish pkg --force`, with npm's policy.

One version: the whole document minus that version, PUT to `/{pkg}/-rev/{rev}`, then a DELETE of
its tarball. The whole package: `DELETE /{pkg}/-rev/{rev}`, after which the registry removes every
tarball itself (npm sends no tarball DELETEs). A version number is never reusable; a fully
unpublished package leaves a tombstone (`time.unpublished`), and its name stays blocked for a
while for everyone but its former owners.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from chalicelib.acl.guard import may_read, require_token_may_write, require_write
from chalicelib.auth.service import Actor
from chalicelib.clock import now_iso, parse_iso
from chalicelib.errors import (
    InvalidPayloadError,
    PackageNotFoundError,
    PermissionDeniedError,
    TarballNotFoundError,
)
from chalicelib.packuments.dist import provenance_key, version_from_file
from chalicelib.packuments.invariants import view_of
from chalicelib.packuments.meta import hoisted_meta
from chalicelib.packuments.relations import dependency_names
from chalicelib.packuments.render import live_versions
from chalicelib.packuments.tombstone import tombstoned
from chalicelib.packuments.updates import next_rev
from chalicelib.packuments.versions import is_prerelease, sort_versions
from chalicelib.publish.classify import UnpublishVersions
from chalicelib.publish.staged import forget_staged
from chalicelib.registry import Registry
from chalicelib.storage.ports.blobs import BlobStore
from chalicelib.storage.ports.indexes import PackageIndexes
from chalicelib.storage.records import PackageRecord, VersionRecord
from chalicelib.writes.pipeline import change_package

LATEST = "latest"


def unpublish_versions(
    registry: Registry, actor: Actor, name: str, change: UnpublishVersions, base_url: str
) -> PackageRecord:
    gone: list[VersionRecord] = []

    def compute(package: PackageRecord, versions: list[VersionRecord]) -> PackageRecord:
        live = view_of(package, versions).versions
        removed = set(live) - change.remaining
        if not change.remaining <= set(live):
            raise InvalidPayloadError("An unpublish cannot add versions")
        if not removed:
            raise InvalidPayloadError("An unpublish must remove at least one version")
        if not change.remaining:
            raise InvalidPayloadError("To unpublish every version, DELETE the package")
        if {v: m for v, m in package.deprecated.items() if v in change.remaining} != dict(
            change.deprecated
        ):
            raise InvalidPayloadError("An unpublish cannot also change deprecations")
        records = [v for v in versions if v.version in removed]
        _check_policy(registry, package, records)
        gone[:] = records
        updated = _without(package, removed, list(live))
        if updated.dist_tags.get(LATEST) != package.dist_tags.get(LATEST):
            # The top-level description and readme come from `latest`: an unpublished version's
            # (perhaps the reason it was unpublished) must not stay on show.
            new_latest = next(v for v in versions if v.version == updated.dist_tags[LATEST])
            updated = replace(updated, meta=hoisted_meta(new_latest))
        return updated

    updated = change_package(
        registry, actor, name, compute, base_url=base_url, expected_rev=change.rev
    )
    _forget(registry.indexes, registry.blobs, gone)
    return updated


def unpublish_package(
    registry: Registry, actor: Actor, name: str, rev: str, base_url: str
) -> PackageRecord:
    gone: list[VersionRecord] = []

    def compute(package: PackageRecord, versions: list[VersionRecord]) -> PackageRecord:
        records = live_versions(package, versions)
        _check_policy(registry, package, records)
        gone[:] = records
        return tombstoned(package, versions)

    updated = change_package(registry, actor, name, compute, base_url=base_url, expected_rev=rev)
    _forget(registry.indexes, registry.blobs, gone)
    # Whoever takes the name next must not inherit the CI its former owners trusted, nor what
    # they staged.
    for publisher in registry.trust.trusted_publishers(name):
        registry.trust.remove_trusted_publisher(name, publisher.id)
    forget_staged(registry.stage, registry.blobs, name)
    return updated


def _without(package: PackageRecord, removed: set[str], live: list[str]) -> PackageRecord:
    now = now_iso()
    tags = {tag: v for tag, v in package.dist_tags.items() if v not in removed}
    return next_rev(
        package,
        dist_tags=recompute_latest(tags, [v for v in live if v not in removed]),
        deprecated={v: m for v, m in package.deprecated.items() if v not in removed},
        unpublished={**package.unpublished, **dict.fromkeys(removed, now)},
    )


def recompute_latest(tags: dict[str, str], live: list[str]) -> dict[str, str]:
    """`latest` by semver precedence when its version goes: the highest release, or the highest
    prerelease when there is no release (npm's CLI would pick the highest of all)."""
    if LATEST in tags or not live:
        return tags
    releases = [v for v in live if not is_prerelease(v)]
    return {**tags, LATEST: sort_versions(releases or live)[-1]}


def _check_policy(registry: Registry, package: PackageRecord, records: list[VersionRecord]) -> None:
    window = timedelta(hours=registry.settings.unpublish_window_hours)
    now = datetime.now(UTC)
    late = [r.version for r in records if now - parse_iso(r.published) > window]
    if not late:
        return
    dependents = registry.indexes.dependents(package.name)
    if dependents:
        raise PermissionDeniedError(
            f"You cannot unpublish {package.name}@{', '.join(late)}: it was published more than "
            f"{registry.settings.unpublish_window_hours} hours ago and other packages depend on "
            f"it ({_named(registry, dependents)})"
        )


def _named(registry: Registry, dependents: list[str]) -> str:
    """A few of the dependents by name: only public ones, and no count of the rest (a private
    package's name, or how many there are, is not the unpublisher's to know)."""
    public = []
    for name in sorted(dependents)[:20]:
        found = registry.packages.get_package(name)
        if found is not None and found.tombstone is None and may_read(registry, None, found):
            public.append(name)
    shown = public[:5]
    return ", ".join(shown + (["others"] if len(shown) < len(dependents) else []))


def _forget(indexes: PackageIndexes, blobs: BlobStore, records: list[VersionRecord]) -> None:
    """Remove the tarballs (and provenance bundles) and the dependency index rows of unpublished
    versions."""
    for record in records:
        _delete_bytes(blobs, record)
        indexes.index_dependencies(
            record.name, record.version, dependency_names(record.manifest), present=False
        )


def delete_tarball(registry: Registry, actor: Actor, name: str, file: str) -> None:
    """`DELETE /{pkg}/-/{file}/-rev/{rev}`: allowed once the version is unpublished (its bytes
    went with it); a live version's tarball is never deleted on its own."""
    # The token's own limits first, before the package is looked up: a missing name and a
    # hidden one must answer alike.
    require_token_may_write(actor, name)
    package = registry.packages.get_package(name)
    if package is None:
        raise PackageNotFoundError(f"'{name}' is not in this registry")
    require_writer_or_former(registry, package, actor)
    version = version_from_file(name, file)
    record = registry.packages.get_version(name, version)
    if record is None:
        raise TarballNotFoundError(f"{name}: no tarball {file}")
    if version not in package.unpublished:
        raise PermissionDeniedError(f"Unpublish {name}@{version} before deleting its tarball")
    _delete_bytes(registry.blobs, record)


def _delete_bytes(blobs: BlobStore, record: VersionRecord) -> None:
    """What an unpublished version stored beside its record: the bytes went with it."""
    blobs.delete(record.tarball_key)
    bundle = provenance_key(record)
    if bundle is not None:
        blobs.delete(bundle)


def require_writer_or_former(registry: Registry, package: PackageRecord, actor: Actor) -> None:
    """Whoever could unpublish the version (its writers, or a tombstone's former owners) may
    confirm the tarball's deletion."""
    former = {m.get("name") for m in (package.tombstone or {}).get("maintainers", [])}
    if actor.name not in former:
        require_write(registry, actor, package)
