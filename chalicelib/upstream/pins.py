"""Pinning versions kept from an upstream (`tarbox cache pin NAME@VERSION`): a pinned version
stays here, its document entry and its tarball, when the upstream removes it (or the whole
package) at a later revalidation. What the upstream removes is otherwise gone here too: no
serving a version taken down as malware. The pins live in the package's state
(upstream/cache.py) and go with `tarbox cache purge`."""

from __future__ import annotations

from chalicelib.errors import NotFoundError, VersionNotFoundError
from chalicelib.packuments.names import tarball_basename
from chalicelib.registry import Registry
from chalicelib.storage.ports.blobs import BlobStore
from chalicelib.upstream.cache import Download, cached_tarball, kept_packument, set_pins
from chalicelib.upstream.origins import may_fetch


def pin(registry: Registry, name: str, version: str) -> None:
    """Pin a version of a kept package; its tarball is fetched first when it is not kept yet."""
    cached = kept_packument(registry.blobs, name)
    if cached is None:
        raise NotFoundError(f"Nothing is kept of {name}: install it through this registry first")
    manifest = (cached.document.get("versions") or {}).get(version)
    if not isinstance(manifest, dict):
        raise VersionNotFoundError(f"The copy kept of {name} has no version {version}")
    upstream = may_fetch(registry, name)
    if upstream is None and version not in cached.pins:
        raise NotFoundError(f"{name} is not fetched from an upstream (TARBOX_UPSTREAMS)")
    if upstream is not None:
        found = cached_tarball(registry.blobs, upstream, cached, tarball_basename(name, version))
        if isinstance(found, Download):
            found.read_to_end()
    published = (cached.document.get("time") or {}).get(version)
    pinned = {"manifest": manifest, "time": published if isinstance(published, str) else None}
    set_pins(registry.blobs, name, {**cached.pins, version: pinned})


def unpin(blobs: BlobStore, name: str, version: str) -> None:
    """Let a version follow the upstream again: gone here when it is gone there."""
    cached = kept_packument(blobs, name)
    if cached is None or version not in cached.pins:
        raise NotFoundError(f"{name}@{version} is not pinned")
    set_pins(blobs, name, {v: p for v, p in cached.pins.items() if v != version})
