"""`GET /{pkg}/{version-or-tag}`: one version manifest, cheaply, from the version item."""

from __future__ import annotations

from chalicelib.errors import PackageNotFoundError, VersionNotFoundError
from chalicelib.packuments.versions import clean
from chalicelib.registry import Registry
from chalicelib.storage.ports import PackageRecord, VersionRecord


def is_live(package: PackageRecord, version: str) -> bool:
    """Published and not unpublished since."""
    return version not in package.unpublished and package.tombstone is None


def find_version(registry: Registry, name: str, spec: str) -> VersionRecord:
    package = registry.packages.get_package(name)
    if package is None:
        raise PackageNotFoundError(f"'{name}' is not in this registry")
    exact = clean(spec)
    record = registry.packages.get_version(name, exact) if exact else None
    if record is None and spec in package.dist_tags:
        record = registry.packages.get_version(name, package.dist_tags[spec])
    if record is None or not is_live(package, record.version):
        raise VersionNotFoundError(f"No version or tag {spec!r} of {name}")
    return record
