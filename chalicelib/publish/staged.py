"""Staged publishing, as npm 11 does it (`npm stage publish|list|view|download|approve|reject`,
lib/commands/stage/; `yarn npm publish --staged`; `pnpm stage`).

A CI (or anyone who may publish the package) stages a version with no one-time password:
`POST /-/stage/package/{pkg}` with the body of a publish, answered `{stageId}`. The version is
not served until one of the package's writers approves it, with a one-time password
(`POST /-/stage/{id}/approve`), which publishes it as they would have; or rejects it
(`DELETE /-/stage/{id}`). Staged and published versions share one index: a version staged is
neither published nor staged again until it is approved or rejected.

What a staged version would publish is kept as blobs: the tarball, and its manifest, readme,
tags and provenance bundle as one JSON document, under `staged/<name>/<id>.*`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Any

from chalicelib.acl.guard import may_write, not_found, require_token_may_write, require_write
from chalicelib.acl.policy import STAGE_PERMISSION
from chalicelib.auth.second_factor import require_presence
from chalicelib.auth.service import Actor
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.clock import now_iso
from chalicelib.errors import (
    InvalidPayloadError,
    NotFoundError,
    PermissionDeniedError,
    VersionAlreadyPublishedError,
)
from chalicelib.provenance.bundle import Provenance
from chalicelib.publish.payload import PublishRequest
from chalicelib.publish.service import (
    UNPACKED_RATIO,
    Published,
    publish_version,
    require_public_provenance,
)
from chalicelib.publish.tarball import inspect_tarball
from chalicelib.publish.version import check_tarball_manifest
from chalicelib.registry import Registry
from chalicelib.storage.ports.blobs import BlobStore
from chalicelib.storage.ports.stage import StageStore
from chalicelib.storage.records import PackageRecord, StagedVersion

MAX_PER_PAGE = 100  # npm asks for 100 a page (lib/commands/stage/list.js)


def stage_version(registry: Registry, actor: Actor, request: PublishRequest) -> StagedVersion:
    """Keep the version to publish later. Like `npm publish` but for the one-time password,
    which is asked at approval instead."""
    require_token_may_write(actor, request.name, publishing=STAGE_PERMISSION)
    # npm: "The package you're configuring must already exist on the npm registry."
    package = _writable(registry, actor, request.name)
    if registry.packages.get_version(request.name, request.version) is not None:
        raise VersionAlreadyPublishedError(
            f"You cannot stage over the previously published versions: {request.version}."
        )
    require_public_provenance(request, package)
    facts = inspect_tarball(
        request.tarball,
        max_files=registry.settings.max_files,
        max_unpacked=registry.settings.max_tarball_bytes * UNPACKED_RATIO,
    )
    check_tarball_manifest(request, facts)
    staged = StagedVersion(
        id=str(uuid.uuid4()),
        package=request.name,
        version=request.version,
        tag=_tag(request),
        access=request.access,
        created=now_iso(),
        actor=actor.name,
        actor_type=(actor.trusted_publisher or {}).get("id", "user"),
        integrity=request.integrity,
        shasum=request.shasum,
    )
    # The blobs first, as a publish stores its tarball before the version that names it.
    registry.blobs.put(_tarball_key(staged), request.tarball, "application/octet-stream")
    registry.blobs.put(_contents_key(staged), _contents(request), "application/json")
    try:
        registry.stage.stage(staged)
    except Exception:
        _discard(registry.blobs, staged)
        raise
    return staged


def list_staged(
    registry: Registry, actor: Actor, package: str | None, page: int, per_page: int
) -> dict[str, Any]:
    """`{items, total}`: the staged versions of `package`, or of every package the actor
    maintains, oldest first, a page at a time."""
    _require_person(actor)
    if package is not None:
        names = [_writable(registry, actor, package).name]
    else:
        names = sorted(registry.indexes.maintained_by(actor.name))
    items = [
        shown(staged)
        for name in names
        if package is not None or _may_write(registry, actor, name)
        for staged in registry.stage.staged_versions(name)
    ]
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    start = max(page, 0) * per_page
    return {"items": items[start : start + per_page], "total": len(items)}


def view_staged(registry: Registry, actor: Actor, id: str) -> StagedVersion:
    _require_person(actor)
    return _staged(registry, actor, id)


def staged_tarball(registry: Registry, actor: Actor, id: str) -> str:
    """The blob key of its tarball (`npm stage download`), for the package's writers."""
    return _tarball_key(view_staged(registry, actor, id))


def approve_staged(registry: Registry, actor: Actor, id: str, base_url: str) -> Published:
    """Publish it, as the approving writer, once they prove they are there."""
    _require_person(actor)
    staged = _staged(registry, actor, id)
    require_presence(registry.accounts, actor, LoginThrottle(registry.ephemeral, actor.client_ip))
    request = _request(registry.blobs, staged)
    published = publish_version(
        registry, replace(actor, otp_checked=True), request, base_url, staged=staged.id
    )
    registry.stage.unstage(staged.id)
    _discard(registry.blobs, staged)
    return published


def reject_staged(registry: Registry, actor: Actor, id: str) -> None:
    _require_person(actor)
    staged = _staged(registry, actor, id)
    require_presence(registry.accounts, actor, LoginThrottle(registry.ephemeral, actor.client_ip))
    if registry.stage.unstage(staged.id):
        _discard(registry.blobs, staged)


def forget_staged(stage: StageStore, blobs: BlobStore, package: str) -> None:
    """When the whole package is unpublished: whoever takes the name next gets none of them."""
    for staged in stage.staged_versions(package):
        if stage.unstage(staged.id):
            _discard(blobs, staged)


def shown(staged: StagedVersion) -> dict[str, Any]:
    """As npm prints a staged version (lib/utils/key-values.js `logStageItem`)."""
    return {
        "id": staged.id,
        "packageName": staged.package,
        "version": staged.version,
        "tag": staged.tag,
        "createdAt": staged.created,
        "actor": staged.actor,
        "actorType": staged.actor_type,
        "shasum": staged.shasum,
        "integrity": staged.integrity,
        "access": staged.access,
    }


def _require_person(actor: Actor) -> None:
    # npm: "Shortlived tokens cannot run npm stage subcommands."
    if actor.trusted_publisher is not None:
        raise PermissionDeniedError("A trusted publisher's token may only publish or stage")


def _staged(registry: Registry, actor: Actor, id: str) -> StagedVersion:
    """The staged version, for one of its package's writers; 404 for anyone else."""
    staged = registry.stage.staged(id)
    missing = NotFoundError(f"No staged version has the id {id}")
    if staged is None or not _may_write(registry, actor, staged.package):
        raise missing
    return staged


def _writable(registry: Registry, actor: Actor, name: str) -> PackageRecord:
    package = registry.packages.get_package(name)
    if package is None or package.tombstone is not None:
        raise not_found(name)
    require_write(registry, actor, package)
    return package


def _may_write(registry: Registry, actor: Actor, name: str) -> bool:
    package = registry.packages.get_package(name)
    return package is not None and package.tombstone is None and may_write(registry, actor, package)


def _tag(request: PublishRequest) -> str:
    tags = list(request.dist_tags)
    if len(tags) != 1:
        raise InvalidPayloadError("A staged version has exactly one tag")
    return tags[0]


def _contents(request: PublishRequest) -> bytes:
    provenance = request.provenance
    return json.dumps(
        {
            "manifest": request.manifest,
            "readme": request.readme,
            "dist_tags": request.dist_tags,
            "provenance": None
            if provenance is None
            else {"bundle": provenance.bundle, "predicateType": provenance.predicate_type},
        }
    ).encode()


def _request(blobs: BlobStore, staged: StagedVersion) -> PublishRequest:
    """The publish that staging deferred, from what was kept."""
    tarball = blobs.get(_tarball_key(staged))
    contents = blobs.get(_contents_key(staged))
    if tarball is None or contents is None:
        raise NotFoundError(f"What staged version {staged.id} would publish is missing")
    kept = json.loads(contents)
    provenance = kept["provenance"]
    return PublishRequest(
        name=staged.package,
        version=staged.version,
        manifest=kept["manifest"],
        dist_tags=kept["dist_tags"],
        access=staged.access,
        tarball=tarball,
        integrity=staged.integrity,
        shasum=staged.shasum,
        readme=kept["readme"],
        provenance=None
        if provenance is None
        else Provenance(provenance["bundle"], provenance["predicateType"]),
    )


def _tarball_key(staged: StagedVersion) -> str:
    return f"staged/{staged.package}/{staged.id}.tgz"


def _contents_key(staged: StagedVersion) -> str:
    return f"staged/{staged.package}/{staged.id}.json"


def _discard(blobs: BlobStore, staged: StagedVersion) -> None:
    blobs.delete(_tarball_key(staged))
    blobs.delete(_contents_key(staged))
