"""`publish_version`: store a new version the way npm's registry does (libnpmpublish's PUT)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from chalicelib.acl.guard import require_token_may_write, writers_of
from chalicelib.acl.policy import PUBLISH_PERMISSION
from chalicelib.auth.second_factor import require_write_otp
from chalicelib.auth.service import Actor
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.changes.events import published
from chalicelib.clock import now_iso, parse_iso
from chalicelib.errors import (
    InvalidPayloadError,
    PackageExistsError,
    PermissionDeniedError,
    RegistryError,
    VersionAlreadyPublishedError,
    VersionExistsError,
)
from chalicelib.orgs.grants import grant_developers
from chalicelib.packuments.dist import bundle_key, tarball_key
from chalicelib.packuments.invariants import check_transition, view_of
from chalicelib.packuments.meta import hoisted_meta
from chalicelib.packuments.names import require_valid_name
from chalicelib.packuments.render import is_live
from chalicelib.packuments.updates import next_rev
from chalicelib.publish.access import (
    access_for_existing,
    access_for_new,
    may_publish,
    requested_access,
    require_publish_mfa,
    require_publisher,
)
from chalicelib.publish.payload import PublishRequest
from chalicelib.publish.tarball import inspect_tarball
from chalicelib.publish.version import check_tarball_manifest, version_record
from chalicelib.registry import Registry
from chalicelib.storage.ports.blobs import BlobStore
from chalicelib.storage.ports.packages import PackageStore
from chalicelib.storage.ports.stage import StageStore
from chalicelib.storage.records import Maintainer, PackageRecord, VersionRecord
from chalicelib.writes.after import after_write
from chalicelib.writes.retries import with_retries
from chalicelib.writes.turns import Turns

# How much larger than the tarball its contents may be (text compresses ~5-10x).
UNPACKED_RATIO = 20


@dataclass(frozen=True)
class Published:
    package: PackageRecord
    created: bool  # False when an identical retry found the version already stored
    versions: list[VersionRecord] | None = None  # every version after it, when already read
    notice: str | None = None  # a private package's plan past due: tell the publisher


def publish_version(
    registry: Registry,
    actor: Actor,
    request: PublishRequest,
    base_url: str,
    *,
    staged: str | None = None,
) -> Published:
    """`staged`: the id of the staged version being approved (publish/staged.py)."""
    require_token_may_write(actor, request.name, publishing=PUBLISH_PERMISSION)
    require_write_otp(registry.accounts, actor, LoginThrottle(registry.ephemeral, actor.client_ip))
    current = registry.packages.get_package(request.name)
    plan = may_publish(registry, actor, request, current)  # before anything is stored
    require_public_provenance(request, current)
    _require_not_staged(registry.stage, request, staged)
    _require_same_access(actor, request, current)
    # After the permission check: a package's mfa setting is not told to those who cannot see it.
    require_publish_mfa(registry, current, actor)
    facts = inspect_tarball(
        request.tarball,
        max_files=registry.settings.max_files,
        max_unpacked=registry.settings.max_tarball_bytes * UNPACKED_RATIO,
    )
    check_tarball_manifest(request, facts)
    # Keyed by content (packuments/dist.py): two racing publishes of one version can never
    # overwrite each other's bytes; the version item, written once, says which is the real one.
    key = tarball_key(request.name, request.shasum)
    registry.blobs.put(key, request.tarball, "application/octet-stream")
    _store_provenance(registry.packages, registry.blobs, request)
    version = version_record(request, facts, actor, key)
    try:
        turns = Turns(registry.ephemeral, request.name)
        published = with_retries(lambda: _store(registry, actor, request, version), turns)
    except RegistryError:
        _discard_unused(registry.packages, registry.blobs, request, key)
        raise
    # Also on an identical retry: the first attempt may have stopped before indexing, or before
    # the public copy.
    after_write(
        registry,
        published.package,
        published.versions,
        changed=published.created,
        added=[version],
        base_url=base_url,
    )
    if plan is not None and published.package.access == "restricted":
        published = replace(published, notice=plan.notice())
    return published


def _require_same_access(
    actor: Actor, request: PublishRequest, current: PackageRecord | None
) -> None:
    """A trusted publisher's token publishes; it never makes a private package public (nor the
    reverse): that is `npm access`, for the package's people."""
    if actor.trusted_publisher is None or current is None or request.access is None:
        return
    if request.access != current.access:
        raise PermissionDeniedError(
            f"A trusted publisher cannot change the access of {request.name}:"
            " run `npm access set status=…` as one of its writers"
        )


def _require_not_staged(stage: StageStore, request: PublishRequest, approving: str | None) -> None:
    """npm: "Staged packages share the same semver version unique index as published packages":
    a staged version is published by approving it, not again."""
    for staged in stage.staged_versions(request.name):
        if staged.version == request.version and staged.id != approving:
            raise VersionExistsError(
                f"{request.name}@{request.version} is staged: `npm stage approve {staged.id}`"
                " publishes it, `npm stage reject` drops it"
            )


def require_public_provenance(request: PublishRequest, current: PackageRecord | None) -> None:
    """As npm refuses `--provenance` for a package that is not public (libnpmpublish
    `ensureProvenanceGeneration`): a provenance statement is in sigstore's public transparency
    log, naming the package and its repository."""
    if request.provenance is not None and requested_access(request, current) != "public":
        raise InvalidPayloadError(
            "Provenance is for public packages only (its statement is in sigstore's public"
            " transparency log): publish with --access public"
        )


def _store_provenance(packages: PackageStore, blobs: BlobStore, request: PublishRequest) -> None:
    """The bundle, before the version that names it, as the tarball is. Never over the bundle of
    a version already published: a retry of the same bytes with another bundle would change
    what npm verifies, and one without a bundle before it would leave this one unnamed."""
    if request.provenance is None:
        return
    if packages.get_version(request.name, request.version) is not None:
        return
    bundle = json.dumps(request.provenance.bundle).encode()
    blobs.put(bundle_key(request.name, request.shasum), bundle, "application/json")


def _discard_unused(
    packages: PackageStore, blobs: BlobStore, request: PublishRequest, tarball_key: str
) -> None:
    stored = packages.get_version(request.name, request.version)
    package = packages.get_package(request.name)
    live = package is not None and stored is not None and is_live(package, stored.version)
    if stored is None or stored.tarball_key != tarball_key or not live:
        blobs.delete(tarball_key)
        if request.provenance is not None:
            blobs.delete(bundle_key(request.name, request.shasum))


def _store(
    registry: Registry, actor: Actor, request: PublishRequest, version: VersionRecord
) -> Published:
    package = registry.packages.get_package(request.name)
    if package is None:
        return _create(registry, actor, request, version)
    if package.tombstone is not None:
        return _recreate(registry, actor, request, version, package)
    writers = writers_of(require_publisher(registry, actor, package))
    existing = registry.packages.get_version(request.name, request.version)
    if existing is not None:
        return _identical_retry(package, existing, request, actor)
    updated = next_rev(
        package,
        dist_tags={**package.dist_tags, **request.dist_tags},
        access=access_for_existing(registry, package, request.access, publishing=True),
        meta=hoisted_meta(version) if "latest" in request.dist_tags else package.meta,
    )
    versions = registry.packages.list_versions(request.name)
    old = view_of(package, versions, writers)
    check_transition(old, view_of(updated, [*versions, version]), actor.name)
    try:
        events = published(version.version, request.dist_tags)
        registry.packages.add_version(updated, version, package.rev, events)
    except VersionExistsError:
        return _identical_retry(package, _stored(registry.packages, request), request, actor)
    return Published(updated, created=True, versions=[*versions, version])


def _stored(packages: PackageStore, request: PublishRequest) -> VersionRecord:
    stored = packages.get_version(request.name, request.version)
    assert stored is not None  # a version item is never deleted
    return stored


def _identical_retry(
    package: PackageRecord, existing: VersionRecord, request: PublishRequest, actor: Actor
) -> Published:
    # npm retries a PUT on 5xx and timeouts; if the first attempt was stored, the retry must not
    # fail as "already published" (getsentry/craft#621). Same bytes, same publisher: success.
    same_bytes = existing.manifest.get("dist", {}).get("integrity") == request.integrity
    live = existing.version not in package.unpublished and package.tombstone is None
    if same_bytes and existing.publisher == actor.name and live:
        return Published(package, created=False)
    raise VersionAlreadyPublishedError(
        f"You cannot publish over the previously published versions: {request.version}."
    )


def _create(
    registry: Registry, actor: Actor, request: PublishRequest, version: VersionRecord
) -> Published:
    package = _new_package(registry, actor, request, version, rev=1)
    check_transition(None, view_of(package, [version]), actor.name)
    try:
        registry.packages.create_package(
            package, version, published(version.version, package.dist_tags)
        )
    except PackageExistsError:
        if registry.packages.get_package(request.name) is not None:
            # Lost the race to create it: publish into the package the winner made.
            return _store(registry, actor, request, version)
        raise PackageExistsError(
            f"Package name {request.name!r} is too similar to an existing package "
            "(the names differ only by case)"
        ) from None
    _created(registry, package)
    return Published(package, created=True, versions=[version])


def _created(registry: Registry, package: PackageRecord) -> None:
    """The derived records of a new package: its publisher in the maintainer index, and, in an
    org's scope, the org's developers team with read-write access (as npmjs does)."""
    for maintainer in package.maintainers:
        registry.indexes.index_maintainer(maintainer.name, package.name, present=True)
    grant_developers(registry, package)


def _new_package(
    registry: Registry, actor: Actor, request: PublishRequest, version: VersionRecord, *, rev: int
) -> PackageRecord:
    require_valid_name(request.name, new=True)
    access = access_for_new(registry, actor, request)
    now = now_iso()
    return PackageRecord(
        name=request.name,
        rev=rev,
        dist_tags={"latest": request.version, **request.dist_tags},
        maintainers=(Maintainer(actor.name, actor.email),),
        access=access,
        created=now,
        modified=now,
        meta=hoisted_meta(version),
    )


def _recreate(
    registry: Registry,
    actor: Actor,
    request: PublishRequest,
    version: VersionRecord,
    tombstoned: PackageRecord,
) -> Published:
    """Publishing a name whose package was fully unpublished: blocked for a while for everyone
    but its former owners (npm: 24 hours); its old version numbers stay used forever."""
    tombstone = tombstoned.tombstone or {}
    former = {m.get("name") for m in tombstone.get("maintainers", [])}
    blocked_until = parse_iso(str(tombstone.get("time"))) + timedelta(
        hours=registry.settings.unpublished_name_block_hours
    )
    if actor.name not in former and datetime.now(UTC) < blocked_until:
        raise PermissionDeniedError(
            f"{request.name} was unpublished and cannot be published again until "
            f"{blocked_until.isoformat(timespec='seconds')}"
        )
    fresh = _new_package(registry, actor, request, version, rev=tombstoned.rev + 1)
    package = replace(fresh, unpublished=dict(tombstoned.unpublished))
    if version.version in tombstoned.unpublished:
        raise VersionAlreadyPublishedError(
            f"You cannot publish over the previously published versions: {version.version}."
        )
    check_transition(None, view_of(package, [version]), actor.name)
    try:
        events = published(version.version, package.dist_tags)
        registry.packages.add_version(package, version, tombstoned.rev, events, revived=True)
    except VersionExistsError:
        raise VersionAlreadyPublishedError(
            f"You cannot publish over the previously published versions: {version.version}."
        ) from None
    _created(registry, package)
    return Published(package, created=True)
