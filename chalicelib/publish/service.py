"""`publish_version`: store a new version the way npm's registry does (libnpmpublish's PUT)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.auth.service import Actor
from chalicelib.clock import now_iso
from chalicelib.errors import (
    InvalidPayloadError,
    InvalidTarballError,
    PackageExistsError,
    PaymentRequiredError,
    PermissionDeniedError,
    ScopeClaimedError,
    VersionAlreadyPublishedError,
    VersionExistsError,
)
from chalicelib.packuments.documents import render_documents
from chalicelib.packuments.meta import hoisted_meta
from chalicelib.packuments.names import require_valid_name, scope_of
from chalicelib.packuments.permissions import require_maintainer, require_writer
from chalicelib.packuments.updates import next_rev, with_retries
from chalicelib.publish.payload import PublishRequest
from chalicelib.publish.tarball import TarballFacts, inspect_tarball
from chalicelib.registry import Registry
from chalicelib.storage.ports import Maintainer, PackageRecord, ScopeRecord, VersionRecord

PRIVATE_NEEDS_PLAN = "You must sign up for private packages"
# Fields the registry owns: whatever the client sends for them is replaced (or dropped).
CLIENT_FIELDS_DROPPED = ("readme", "_npmUser", "maintainers", "_attachments", "_rev")
INSTALL_SCRIPTS = ("preinstall", "install", "postinstall")


@dataclass(frozen=True)
class Published:
    package: PackageRecord
    created: bool  # False when an identical retry found the version already stored


def publish_version(
    registry: Registry, actor: Actor, request: PublishRequest, base_url: str
) -> Published:
    require_writer(actor)
    facts = inspect_tarball(request.tarball, max_files=registry.settings.max_files)
    if (facts.package_json.get("name"), facts.package_json.get("version")) != (
        request.name,
        request.version,
    ):
        raise InvalidTarballError(
            "The tarball's package.json does not match the published name and version"
        )
    tarball_key = f"tarballs/{request.name}/{request.version}-{request.shasum}.tgz"
    registry.blobs.put(tarball_key, request.tarball, "application/octet-stream")
    version = _version_record(request, facts, actor, tarball_key)
    published = with_retries(lambda: _store(registry, actor, request, version))
    if published.created:
        render_documents(registry, published.package, base_url)
    return published


def _store(
    registry: Registry, actor: Actor, request: PublishRequest, version: VersionRecord
) -> Published:
    package = registry.packages.get_package(request.name)
    if package is None:
        return _create(registry, actor, request, version)
    require_maintainer(package, actor)
    existing = registry.packages.get_version(request.name, request.version)
    if existing is not None:
        return _identical_retry(package, existing, request, actor)
    updated = next_rev(
        package,
        dist_tags={**package.dist_tags, **request.dist_tags},
        access=_access_for_existing(package, request.access),
        maintainers=package.maintainers,
        meta=hoisted_meta(version) if "latest" in request.dist_tags else package.meta,
    )
    try:
        registry.packages.add_version(updated, version, package.rev)
    except VersionExistsError:
        return _identical_retry(package, _stored(registry, request), request, actor)
    return Published(updated, created=True)


def _stored(registry: Registry, request: PublishRequest) -> VersionRecord:
    stored = registry.packages.get_version(request.name, request.version)
    assert stored is not None  # a version item is never deleted
    return stored


def _identical_retry(
    package: PackageRecord, existing: VersionRecord, request: PublishRequest, actor: Actor
) -> Published:
    # npm retries a PUT on 5xx and timeouts; if the first attempt was stored, the retry must not
    # fail as "already published" (getsentry/craft#621). Same bytes, same publisher: success.
    same_bytes = existing.manifest.get("dist", {}).get("integrity") == request.integrity
    if same_bytes and existing.publisher == actor.name:
        return Published(package, created=False)
    raise VersionAlreadyPublishedError(
        f"You cannot publish over the previously published versions: {request.version}."
    )


def _create(
    registry: Registry, actor: Actor, request: PublishRequest, version: VersionRecord
) -> Published:
    require_valid_name(request.name, new=True)
    access = _access_for_new(registry, actor, request)
    now = now_iso()
    dist_tags = {"latest": request.version, **request.dist_tags}
    package = PackageRecord(
        name=request.name,
        rev=1,
        dist_tags=dist_tags,
        maintainers=(Maintainer(actor.name, actor.email),),
        access=access,
        created=now,
        modified=now,
        meta=hoisted_meta(version),
    )
    try:
        registry.packages.create_package(package, version)
    except PackageExistsError:
        if registry.packages.get_package(request.name) is not None:
            # Lost the race to create it: publish into the package the winner made.
            return _store(registry, actor, request, version)
        raise PackageExistsError(
            f"Package name {request.name!r} is too similar to an existing package "
            "(the names differ only by case)"
        ) from None
    return Published(package, created=True)


def _access_for_new(registry: Registry, actor: Actor, request: PublishRequest) -> str:
    scope = scope_of(request.name)
    if scope is None:
        if request.access == "restricted":
            raise InvalidPayloadError("Can't restrict access to unscoped packages.")
        return "public"
    owner = _scope_owner(registry, scope)
    if owner is not None and owner != actor.name:
        raise PermissionDeniedError(
            f"You do not have permission to publish into the scope @{scope}"
        )
    # npm: "All scoped packages default to private" -- and private needs a paid plan.
    if request.access != "public":
        raise PaymentRequiredError(PRIVATE_NEEDS_PLAN)
    if owner is None:
        _claim_scope(registry, scope, actor)
    return "public"


def _scope_owner(registry: Registry, scope: str) -> str | None:
    record = registry.accounts.get_scope(scope)
    return record.owner if record else None


def _claim_scope(registry: Registry, scope: str, actor: Actor) -> None:
    if not registry.settings.scope_claiming:
        raise PermissionDeniedError(
            f"The scope @{scope} has no owner and this registry does not let publishers claim it"
        )
    try:
        registry.accounts.claim_scope(ScopeRecord(scope, actor.name, now_iso()))
    except ScopeClaimedError:
        if _scope_owner(registry, scope) != actor.name:
            raise PermissionDeniedError(
                f"You do not have permission to publish into the scope @{scope}"
            ) from None


def _access_for_existing(package: PackageRecord, access: str | None) -> str:
    if access is None or access == package.access:
        return package.access
    if access == "restricted":
        if scope_of(package.name) is None:
            raise InvalidPayloadError("Can't restrict access to unscoped packages.")
        raise PaymentRequiredError(PRIVATE_NEEDS_PLAN)
    return access


def _version_record(
    request: PublishRequest, facts: TarballFacts, actor: Actor, tarball_key: str
) -> VersionRecord:
    manifest: dict[str, Any] = {
        k: v for k, v in request.manifest.items() if k not in CLIENT_FIELDS_DROPPED
    }
    manifest["_id"] = f"{request.name}@{request.version}"
    manifest["_npmUser"] = {"name": actor.name, "email": actor.email}
    manifest["maintainers"] = [{"name": actor.name, "email": actor.email}]
    manifest["dist"] = {
        "integrity": request.integrity,
        "shasum": request.shasum,
        "fileCount": facts.file_count,
        "unpackedSize": facts.unpacked_size,
    }
    if _has_install_script(manifest, facts):
        manifest["hasInstallScript"] = True
    else:
        manifest.pop("hasInstallScript", None)
    readme = request.manifest.get("readme")
    return VersionRecord(
        name=request.name,
        version=request.version,
        manifest=manifest,
        tarball_key=tarball_key,
        published=now_iso(),
        publisher=actor.name,
        readme=readme if isinstance(readme, str) else "",
    )


def _has_install_script(manifest: dict[str, Any], facts: TarballFacts) -> bool:
    # npm runs `node-gyp rebuild` for a binding.gyp when no install script is given.
    scripts = manifest.get("scripts")
    named = isinstance(scripts, dict) and any(s in scripts for s in INSTALL_SCRIPTS)
    return named or facts.has_binding_gyp
