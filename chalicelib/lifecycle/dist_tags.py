"""dist-tags: `npm dist-tag ls|add|rm` (GET/PUT/DELETE /-/package/{pkg}/dist-tags[/{tag}])."""

from __future__ import annotations

from chalicelib.acl.guard import require_read
from chalicelib.auth.service import Actor
from chalicelib.errors import (
    InvalidTagError,
    NotFoundError,
    PackageNotFoundError,
    PermissionDeniedError,
    VersionNotFoundError,
)
from chalicelib.packuments.meta import hoisted_meta
from chalicelib.packuments.quarantine import quarantine_for, tags_shown
from chalicelib.packuments.render import is_live
from chalicelib.packuments.tags import validate_tag
from chalicelib.packuments.updates import next_rev
from chalicelib.registry import Registry
from chalicelib.storage.records import PackageRecord, VersionRecord
from chalicelib.writes.pipeline import change_package

LATEST = "latest"


def get_dist_tags(registry: Registry, actor: Actor | None, name: str) -> dict[str, str]:
    package = registry.packages.get_package(name)
    if package is None or package.tombstone is not None:
        raise PackageNotFoundError(f"'{name}' is not in this registry")
    require_read(registry, actor, package)
    quarantine = quarantine_for(registry.settings, package)
    if quarantine is None:
        return dict(package.dist_tags)
    # As the documents show them (packuments/quarantine.py).
    live = [v for v in registry.packages.list_versions(name) if is_live(package, v.version)]
    hidden = [v.version for v in live if quarantine.hides(v.published)]
    shown = [v.version for v in live if v.version not in hidden]
    return tags_shown(package.dist_tags, shown, hidden)


def set_dist_tag(
    registry: Registry, actor: Actor, name: str, tag: str, version: object, base_url: str
) -> PackageRecord:
    validate_tag(tag)
    if not isinstance(version, str):
        raise InvalidTagError("The body must be a JSON string naming a version")

    def compute(package: PackageRecord, versions: list[VersionRecord]) -> PackageRecord:
        # Looked up here, after change_package's access check: a private package's versions
        # are not told to those who may not see it.
        target = next((v for v in versions if v.version == version), None)
        if target is None:
            raise VersionNotFoundError(f"{name}@{version} does not exist")
        if package.dist_tags.get(tag) == version:
            return package
        tags = {**package.dist_tags, tag: version}
        meta = hoisted_meta(target) if tag == LATEST else package.meta
        return next_rev(package, dist_tags=tags, meta=meta)

    # Only `latest` needs a second factor (npm's auth-and-writes exemptions).
    return change_package(
        registry, actor, name, compute, base_url=base_url, otp_exempt=tag != LATEST
    )


def remove_dist_tag(
    registry: Registry, actor: Actor, name: str, tag: str, base_url: str
) -> PackageRecord:
    if tag == LATEST:
        # "Every package will have a `latest` tag defined" (registry docs, package-metadata.md).
        raise PermissionDeniedError("The latest tag cannot be removed")

    def compute(package: PackageRecord, versions: list[VersionRecord]) -> PackageRecord:
        if tag not in package.dist_tags:
            raise NotFoundError(f"{name} has no dist-tag {tag!r}")
        tags = {k: v for k, v in package.dist_tags.items() if k != tag}
        return next_rev(package, dist_tags=tags)

    return change_package(registry, actor, name, compute, base_url=base_url, otp_exempt=True)
