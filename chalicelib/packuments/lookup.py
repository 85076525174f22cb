"""`GET /{pkg}/{version-or-tag}`: one version manifest, cheaply, from the version item."""

from __future__ import annotations

from chalicelib.errors import PackageNotFoundError, VersionNotFoundError
from chalicelib.packuments.versions import clean
from chalicelib.registry import Registry
from chalicelib.storage.ports import VersionRecord


def find_version(registry: Registry, name: str, spec: str) -> VersionRecord:
    package = registry.packages.get_package(name)
    if package is None:
        raise PackageNotFoundError(f"'{name}' is not in this registry")
    version = package.dist_tags.get(spec) or clean(spec)
    record = registry.packages.get_version(name, version) if version else None
    if record is None:
        raise VersionNotFoundError(f"No version or tag {spec!r} of {name}")
    return record
