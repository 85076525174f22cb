"""What the routes ask of the read-through cache: a package's documents and tarballs, for a name
this registry does not have, from the upstream the name is routed to (upstream/origins.py)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.auth.service import Actor
from chalicelib.errors import AuthenticationRequiredError
from chalicelib.packuments.documents import CORGI, FULL
from chalicelib.registry import Registry
from chalicelib.upstream.cache import Cached, cached_packument, cached_tarball, fresh_tarball
from chalicelib.upstream.origins import Upstream, may_fetch
from chalicelib.upstream.render import upstream_document


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


def upstream_tarball(
    registry: Registry, actor: Actor | None, name: str, file: str
) -> tuple[str, bool] | None:
    """(the blob key of the tarball, fetched on its first request; whether it is private), or
    None when the name is not fetched."""
    upstream = _upstream(registry, actor, name)
    if upstream is None:
        return None
    private = bool(upstream.token)
    kept = fresh_tarball(registry, name, file)
    if kept is not None:
        return kept, private
    cached = cached_packument(registry, upstream, name)
    return None if cached is None else (cached_tarball(registry, upstream, cached, file), private)


def _cached(registry: Registry, actor: Actor | None, name: str) -> tuple[Upstream, Cached] | None:
    upstream = _upstream(registry, actor, name)
    cached = cached_packument(registry, upstream, name) if upstream is not None else None
    return None if upstream is None or cached is None else (upstream, cached)


def _upstream(registry: Registry, actor: Actor | None, name: str) -> Upstream | None:
    upstream = may_fetch(registry, name)
    # Fetched with a token, a package may be private there: here it is for logged-in users only.
    if upstream is not None and upstream.token and actor is None:
        raise AuthenticationRequiredError(
            f"Log in to read {name}: it comes from an upstream registry that needs a token"
        )
    return upstream
