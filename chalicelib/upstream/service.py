"""What the routes ask of the read-through cache: a package's documents and tarballs, for a name
this registry does not have, from the upstream the name is routed to (upstream/origins.py)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.auth.service import Actor
from chalicelib.clock import iso
from chalicelib.errors import AuthenticationRequiredError, PermissionDeniedError
from chalicelib.packuments.dist import version_from_file
from chalicelib.packuments.quarantine import changed_quarantine
from chalicelib.registry import Registry
from chalicelib.settings import Settings
from chalicelib.upstream.cache import (
    HIT,
    MISS,
    Cached,
    Download,
    cached_packument,
    cached_tarball,
    fresh_tarball,
)
from chalicelib.upstream.origins import Upstream, may_fetch
from chalicelib.upstream.render import upstream_document
from chalicelib.writes.rendered import CORGI, FULL


@dataclass(frozen=True)
class UpstreamDocument:
    body: bytes
    etag: str
    how: str  # hit, miss, revalidated, stale: said in the X-Tarbox-Cache header
    private: bool  # fetched with a token: never kept by a shared cache


def upstream_packument(
    registry: Registry, actor: Actor | None, name: str, *, abbreviated: bool, base_url: str
) -> UpstreamDocument | None:
    """None when the name is not fetched from anywhere, or the upstream has no such package."""
    found = _cached(registry, actor, name)
    if found is None:
        return None
    upstream, cached = found
    body, etag = upstream_document(registry, cached, base_url, CORGI if abbreviated else FULL)
    return UpstreamDocument(body, etag, cached.how, private=bool(upstream.token))


@dataclass(frozen=True)
class UpstreamTarball:
    key: str  # where it is kept
    download: Download | None  # not kept yet: its bytes as they arrive, kept once all are in
    private: bool
    how: str  # HIT (it was kept) or MISS (fetched now)


def upstream_tarball(
    registry: Registry, actor: Actor | None, name: str, file: str, *, stream: bool
) -> UpstreamTarball | None:
    """The tarball, fetched on its first request: as a download to stream to the client while
    it is kept (`stream`), else fetched whole first. None when the name is not fetched."""
    upstream, settings = _upstream(registry, actor, name), registry.settings
    if upstream is None:
        return None
    private = bool(upstream.token)
    kept = fresh_tarball(registry.blobs, settings, name, file)
    # A tarball kept needs no document, unless the quarantine may hold some version back.
    if kept is not None and changed_quarantine(settings, name, kept[1]) is None:
        return UpstreamTarball(kept[0], None, private, HIT)
    cached = cached_packument(registry.blobs, settings, upstream, name)
    if cached is None:
        return None
    _refuse_held_back(settings, cached, file)
    found = cached_tarball(registry.blobs, upstream, cached, file)
    if isinstance(found, str):
        return UpstreamTarball(found, None, private, HIT)
    if not (stream and found.streamable):
        try:
            found.read_to_end()
        finally:
            found.close()
        return UpstreamTarball(found.key, None, private, MISS)
    return UpstreamTarball(found.key, found, private, MISS)


def _refuse_held_back(settings: Settings, cached: Cached, file: str) -> None:
    """The tarball of a version the release-age quarantine hides is refused, as a local one's."""
    quarantine = changed_quarantine(settings, cached.name, cached.modified)
    if quarantine is None:
        return
    version = version_from_file(cached.name, file)
    published = (cached.document.get("time") or {}).get(version)
    if isinstance(published, str) and quarantine.hides(published):
        until = iso(quarantine.until(published))
        raise PermissionDeniedError(
            f"{cached.name}@{version} is held back by this registry's release-age quarantine"
            f" until {until}"
        )


def _cached(registry: Registry, actor: Actor | None, name: str) -> tuple[Upstream, Cached] | None:
    upstream = _upstream(registry, actor, name)
    cached = (
        cached_packument(registry.blobs, registry.settings, upstream, name)
        if upstream is not None
        else None
    )
    return None if upstream is None or cached is None else (upstream, cached)


def _upstream(registry: Registry, actor: Actor | None, name: str) -> Upstream | None:
    upstream = may_fetch(registry, name)
    # Fetched with a token, a package may be private there: here it is for logged-in users only.
    if upstream is not None and upstream.token and actor is None:
        raise AuthenticationRequiredError(
            f"Log in to read {name}: it comes from an upstream registry that needs a token"
        )
    return upstream
