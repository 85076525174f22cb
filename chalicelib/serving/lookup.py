"""`GET /{pkg}/{version-or-tag}`: one version manifest, cheaply, from the version item."""

from __future__ import annotations

from typing import Any

from chalicelib.auth.service import Actor
from chalicelib.clock import iso
from chalicelib.errors import PackageNotFoundError, VersionNotFoundError
from chalicelib.packuments.quarantine import Quarantine, newest_release, quarantine_for
from chalicelib.packuments.render import is_live, version_manifest, with_deprecation
from chalicelib.packuments.versions import clean
from chalicelib.registry import Registry
from chalicelib.serving.visibility import Seen, require_seen
from chalicelib.signatures.signer import current_signer
from chalicelib.storage.ports.packages import PackageStore
from chalicelib.storage.records import PackageRecord, VersionRecord


def version_document(
    registry: Registry, actor: Actor | None, name: str, spec: str, base_url: str
) -> tuple[dict[str, Any], Seen]:
    """The manifest served at `GET /{pkg}/{version-or-tag}`, as it stands in the packument."""
    package, record, seen = find_version(registry, actor, name, spec)
    signer = current_signer(registry.signing_keys)
    return with_deprecation(package, version_manifest(record, base_url, signer)), seen


def find_version(
    registry: Registry, actor: Actor | None, name: str, spec: str
) -> tuple[PackageRecord, VersionRecord, Seen]:
    """A live version by number or dist-tag, to whoever may read its package."""
    package = registry.packages.get_package(name)
    if package is None:
        raise PackageNotFoundError(f"'{name}' is not in this registry")
    seen = require_seen(registry, actor, package)
    exact = clean(spec)
    record = registry.packages.get_version(name, exact) if exact else None
    if record is None and spec in package.dist_tags:
        record = registry.packages.get_version(name, package.dist_tags[spec])
    if record is None or not is_live(package, record.version):
        raise VersionNotFoundError(f"No version or tag {spec!r} of {name}")
    quarantine = quarantine_for(registry.settings, package)
    if quarantine is not None and quarantine.hides(record.published):
        record = _not_held_back(registry.packages, package, spec, record, quarantine)
    return package, record, seen


def _not_held_back(
    packages: PackageStore,
    package: PackageRecord,
    spec: str,
    held: VersionRecord,
    quarantine: Quarantine,
) -> VersionRecord:
    """What the packument shows instead of a version the quarantine hides: for `latest`, the
    newest release old enough (packuments/quarantine.py); for anything else, nothing."""
    if spec == "latest":
        shown = {
            v.version: v
            for v in packages.list_versions(package.name)
            if is_live(package, v.version) and not quarantine.hides(v.published)
        }
        newest = newest_release(shown)
        if newest is not None:
            return shown[newest]
    until = iso(quarantine.until(held.published))
    raise VersionNotFoundError(
        f"{package.name}@{held.version} is held back by this registry's release-age quarantine"
        f" until {until}"
    )
