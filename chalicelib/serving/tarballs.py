"""Finding a version's tarball from the file name in its URL."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.acl.guard import require_read
from chalicelib.auth.service import Actor
from chalicelib.clock import iso
from chalicelib.errors import PermissionDeniedError, TarballNotFoundError
from chalicelib.packuments.dist import version_from_file
from chalicelib.packuments.quarantine import version_quarantine
from chalicelib.packuments.render import is_live
from chalicelib.registry import Registry


@dataclass(frozen=True)
class TarballLocation:
    url: str | None  # a short-lived signed URL to redirect to
    path: str | None  # a local file to stream
    data: bytes | None  # the bytes, when neither of the above exists
    private: bool = False  # never cached by anything shared
    version: str = ""


def locate_tarball(
    registry: Registry, actor: Actor | None, name: str, file: str
) -> TarballLocation:
    """Access is checked before any URL is signed: a signed URL is a capability."""
    package = registry.packages.get_package(name)
    missing = TarballNotFoundError(f"{name}: no tarball {file}")
    if package is None:
        raise missing
    # The access check alone: a tarball carries no plan notice, so the plan is not read here.
    require_read(registry, actor, package, missing)
    private = package.access == "restricted"
    wanted = version_from_file(name, file)
    version = registry.packages.get_version(name, wanted)
    if version is None or not is_live(package, wanted):
        raise missing
    quarantine = version_quarantine(registry.settings, package, version.published)
    if quarantine is not None:
        until = iso(quarantine.until(version.published))
        raise PermissionDeniedError(
            f"{name}@{wanted} is held back by this registry's release-age quarantine until {until}"
        )
    key = version.tarball_key
    url = registry.blobs.download_url(key, registry.settings.tarball_url_ttl)
    if url is not None:
        return TarballLocation(url, None, None, private, wanted)
    path = registry.blobs.local_path(key)
    if path is not None:
        return TarballLocation(None, path, None, private, wanted)
    data = registry.blobs.get(key)
    if data is None:
        raise missing
    return TarballLocation(None, None, data, private, wanted)
