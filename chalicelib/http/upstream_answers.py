"""The answers of the read-through cache (chalicelib/upstream/) for the packument and tarball
routes, when this registry has no such package. `X-Tarbox-Cache` says where the document came
from: `hit` (kept, fresh), `miss` (fetched now), `revalidated`, or `stale` (kept; the upstream
did not answer). Each answer is counted (upstream/counts.py) and noted on the request's line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from chalice.app import Response

from chalicelib import wiring
from chalicelib.auth.service import Actor
from chalicelib.errors import UpstreamUnavailableError, VersionNotFoundError
from chalicelib.http import render
from chalicelib.http.observe import note
from chalicelib.packuments.render import CORGI_CONTENT_TYPE
from chalicelib.registry import Registry
from chalicelib.serving.documents import matches
from chalicelib.serving.visibility import Seen
from chalicelib.upstream.counts import ERROR, count_key
from chalicelib.upstream.service import UpstreamDocument, upstream_packument, upstream_tarball
from chalicelib.writes.rendered import JSON_CONTENT_TYPE

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
    found = _document(registry, actor, name, abbreviated=abbreviated, base_url=base_url)
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
    found = _document(registry, actor, name, abbreviated=False, base_url=base_url)
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
    """A kept tarball as local ones are served; on its first request, behind `tarbox serve`, its
    bytes as they come from the upstream (kept once all are in and checked). On Lambda, whose
    answers are sent whole, it is fetched and kept first, then served from there."""
    local = registry.settings.local_server
    with _counting_errors():
        found = upstream_tarball(registry, actor, name, file, stream=local)
    if found is None:
        return None
    _count(found.how)
    if found.download is not None:
        download = found.download
        return render.streamed_tarball(
            download.chunks, download.close, download.length, private=found.private
        )
    return render.stored_tarball(
        registry.blobs, found.key, registry.settings.tarball_url_ttl, private=found.private
    )


def _document(
    registry: Registry, actor: Actor | None, name: str, *, abbreviated: bool, base_url: str
) -> UpstreamDocument | None:
    with _counting_errors():
        found = upstream_packument(
            registry, actor, name, abbreviated=abbreviated, base_url=base_url
        )
    if found is not None:
        _count(found.how)
    return found


@contextmanager
def _counting_errors() -> Iterator[None]:
    try:
        yield
    except UpstreamUnavailableError:
        _count(ERROR)
        raise


def _count(how: str) -> None:
    note(cache=how)
    wiring.download_counter().record(count_key(how), "", public=False)
