"""The answers of the read-through cache (chalicelib/upstream/) for the packument and tarball
routes, when this registry has no such package. `X-Tarbox-Cache` says where the document came
from: `hit` (kept, fresh), `miss` (fetched now), `revalidated`, or `stale` (kept; the upstream
did not answer)."""

from __future__ import annotations

import json

from chalice.app import Response

from chalicelib.auth.service import Actor
from chalicelib.errors import VersionNotFoundError
from chalicelib.http import render
from chalicelib.packuments.documents import JSON_CONTENT_TYPE, matches
from chalicelib.packuments.render import CORGI_CONTENT_TYPE
from chalicelib.packuments.visibility import Seen
from chalicelib.registry import Registry
from chalicelib.upstream.service import upstream_packument, upstream_tarball

CACHE_HEADER = "X-Tarbox-Cache"


def upstream_packument_answer(
    registry: Registry,
    actor: Actor | None,
    name: str,
    *,
    abbreviated: bool,
    base_url: str,
    if_none_match: str | None,
) -> Response | None:
    """None when the name is not fetched from an upstream, or the upstream has no such package."""
    found = upstream_packument(registry, actor, name, abbreviated=abbreviated, base_url=base_url)
    if found is None:
        return None
    headers: dict[str, str | list[str]] = {
        "ETag": found.etag,
        CACHE_HEADER: found.how,
        **render.read_headers(Seen(private=found.private)),
    }
    if matches(found.etag, if_none_match):
        return Response(body="", status_code=304, headers=headers)
    headers["Content-Type"] = CORGI_CONTENT_TYPE if abbreviated else JSON_CONTENT_TYPE
    return render.StoredBytes(body=found.body, status_code=200, headers=headers)


def upstream_version_answer(
    registry: Registry, actor: Actor | None, name: str, spec: str, base_url: str
) -> Response | None:
    """`GET /{pkg}/{version-or-tag}` (pnpm asks for `latest` this way), from the document."""
    found = upstream_packument(registry, actor, name, abbreviated=False, base_url=base_url)
    if found is None:
        return None
    document = json.loads(found.body)
    number = (document.get("dist-tags") or {}).get(spec, spec)
    manifest = (document.get("versions") or {}).get(number)
    if not isinstance(manifest, dict):
        raise VersionNotFoundError(f"No version or tag {spec!r} of {name}")
    headers = {CACHE_HEADER: found.how, **render.read_headers(Seen(private=found.private))}
    return render.json_response(manifest, headers=headers)


def upstream_tarball_answer(
    registry: Registry, actor: Actor | None, name: str, file: str
) -> Response | None:
    found = upstream_tarball(registry, actor, name, file)
    if found is None:
        return None
    key, private = found
    return render.stored_tarball(
        registry.blobs, key, registry.settings.tarball_url_ttl, private=private
    )
