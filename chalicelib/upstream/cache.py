"""Upstream packuments and tarballs, fetched on a miss and kept as blobs.

    upstream/<name>/packument.json   the upstream's full document, as it answered
    upstream/<name>/state.json       its ETag, when it was fetched, a digest of it
    upstream/<name>/renders/<digest>/<stamp>-<variant>.json   renders of it for this registry
                                     (upstream/render.py), dropped when the document changes
    upstream/<name>/-/<file>.tgz     a tarball, once asked for and checked

A document older than `TARBOX_UPSTREAM_TTL` seconds is revalidated with its ETag. When the
upstream does not answer, the copy kept is served (`stale`) rather than an error. When it says
the package is gone (404), it is gone here too, at that revalidation.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from chalicelib.errors import TarballNotFoundError, UpstreamUnavailableError
from chalicelib.packuments.tarballs import version_from_file
from chalicelib.publish.payload import verify_tarball
from chalicelib.registry import Registry
from chalicelib.upstream.origins import Upstream

USER_AGENT = "tarbox-upstream"
TIMEOUT_SECONDS = 10
JSON_TYPE = "application/json"
HIT, MISS, REVALIDATED, STALE = "hit", "miss", "revalidated", "stale"
PREFIX = "upstream/"
STATE = "state.json"
PACKUMENT = "packument.json"


@dataclass(frozen=True)
class Cached:
    name: str
    digest: str  # of the document's bytes: what renders of it are keyed by
    how: str  # HIT, MISS, REVALIDATED or STALE
    load: Callable[[], bytes] = field(repr=False, compare=False)

    @cached_property
    def document(self) -> dict[str, Any]:
        """The upstream's full document, read and parsed only when needed: a read answered from
        a kept render, and a tarball already kept, need neither."""
        return _document(self.name, self.load())


def cached_packument(registry: Registry, upstream: Upstream, name: str) -> Cached | None:
    """The upstream's document for `name`, from the copy kept while it is fresh; None when the
    upstream has no such package."""
    blobs = registry.blobs
    state = _state(registry, name)
    key = _key(name, PACKUMENT)
    if state is not None and _fresh(registry, state):
        return Cached(name, str(state["digest"]), HIT, lambda: _kept(registry, key))
    kept = blobs.get(key) if state is not None else None
    if state is None or kept is None:
        state, kept = None, None
    etag = str(state.get("etag") or "") if state is not None else ""
    try:
        status, body, new_etag = _get(upstream, f"{upstream.url}/{_path(name)}", JSON_TYPE, etag)
    except UpstreamUnavailableError:
        if state is None or kept is None:
            raise
        # Better the copy kept than an error: the header says it was not revalidated.
        return Cached(name, str(state["digest"]), STALE, lambda: kept)
    if status == 404:
        _forget(registry, name)
        return None
    if status == 304 and kept is not None and state is not None:
        _save_state(registry, name, {**state, "fetched": time.time()})
        return Cached(name, str(state["digest"]), REVALIDATED, lambda: kept)
    cached = Cached(
        name,
        hashlib.sha256(body).hexdigest()[:20],
        MISS if kept is None else REVALIDATED,
        lambda: body,
    )
    _replace(registry, cached, body, new_etag)
    return cached


def fresh_tarball(registry: Registry, name: str, file: str) -> str | None:
    """The key of a tarball kept, while its document is fresh (the tarballs of versions it no
    longer has are gone): a download then reads no document."""
    state = _state(registry, name)
    key = _key(name, f"-/{file}")
    return key if state is not None and _fresh(registry, state) and _stored(registry, key) else None


def cached_tarball(registry: Registry, upstream: Upstream, cached: Cached, file: str) -> str:
    """The blob key of the version's tarball, fetched and checked against the upstream's
    integrity the first time it is asked for."""
    name = cached.name
    version = version_from_file(name, file)
    manifest = (cached.document.get("versions") or {}).get(version)
    missing = TarballNotFoundError(f"{name}: no tarball {file}")
    if not isinstance(manifest, dict):
        raise missing
    key = _key(name, f"-/{file}")
    if _stored(registry, key):
        return key
    dist = manifest.get("dist") or {}
    url = dist.get("tarball")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise missing
    status, data, _ = _get(upstream, url, "application/octet-stream", "")
    if status != 200:
        raise missing
    # Kept only when it is what the upstream's document says: a tampered or truncated download
    # is never stored, nor served.
    verify_tarball(f"{name}@{version}", dist, data)
    registry.blobs.put(key, data, "application/octet-stream")
    return key


@dataclass(frozen=True)
class CachedPackage:
    """What `tarbox cache ls` says of one package."""

    name: str
    fetched: float  # when its document was last fetched or revalidated
    tarballs: int  # how many of its tarballs are kept


def cached_packages(registry: Registry) -> list[CachedPackage]:
    """Every package kept from an upstream, by name."""
    fetched: dict[str, float] = {}
    tarballs: dict[str, int] = {}
    for blob in registry.blobs.list_blobs(PREFIX):
        rest = blob.key[len(PREFIX) :]
        if "/-/" in rest:
            name = rest.split("/-/", 1)[0]
            tarballs[name] = tarballs.get(name, 0) + 1
        elif rest.endswith(f"/{STATE}"):
            state = _state(registry, rest[: -len(STATE) - 1])
            fetched[rest[: -len(STATE) - 1]] = float((state or {}).get("fetched") or 0)
    return [CachedPackage(n, fetched[n], tarballs.get(n, 0)) for n in sorted(fetched)]


def purge(registry: Registry, name: str) -> bool:
    """Forget what is kept of `name`: its next request fetches it afresh. False when nothing
    was kept."""
    kept = any(True for _ in registry.blobs.list_blobs(_key(name, "")))
    _forget(registry, name)
    return kept


def render_key(name: str, digest: str, stamp: str, variant: str) -> str:
    return _key(name, f"renders/{digest}/{stamp}-{variant}.json")


def _replace(registry: Registry, cached: Cached, body: bytes, etag: str) -> None:
    """Keep a new document (checked first), and drop what was kept of the one it replaces: its
    renders (read whole before they are sent), and the tarballs of versions it no longer has."""
    name, blobs, versions = cached.name, registry.blobs, cached.document.get("versions") or {}
    blobs.put(_key(name, PACKUMENT), body, JSON_TYPE)
    _save_state(registry, name, {"etag": etag, "fetched": time.time(), "digest": cached.digest})
    for blob in list(blobs.list_blobs(_key(name, ""))):
        if _replaced(name, blob.key[len(_key(name, "")) :], cached.digest, versions):
            blobs.delete(blob.key)


def _replaced(name: str, rest: str, digest: str, versions: dict[str, Any]) -> bool:
    if rest.startswith("renders/"):
        return not rest.startswith(f"renders/{digest}/")
    return rest.startswith("-/") and version_from_file(name, rest[2:]) not in versions


def _fresh(registry: Registry, state: dict[str, Any]) -> bool:
    return time.time() - float(state["fetched"]) < registry.settings.upstream_ttl


def _stored(registry: Registry, key: str) -> bool:
    return any(blob.key == key for blob in registry.blobs.list_blobs(key))


def _kept(registry: Registry, key: str) -> bytes:
    kept = registry.blobs.get(key)
    if kept is None:
        raise UpstreamUnavailableError(f"The kept copy {key} is missing: `tarbox cache purge` it")
    return kept


def _state(registry: Registry, name: str) -> dict[str, Any] | None:
    raw = registry.blobs.get(_key(name, STATE))
    return json.loads(raw) if raw else None


def _save_state(registry: Registry, name: str, state: dict[str, Any]) -> None:
    registry.blobs.put(_key(name, STATE), json.dumps(state).encode(), JSON_TYPE)


def _forget(registry: Registry, name: str) -> None:
    for blob in list(registry.blobs.list_blobs(_key(name, ""))):
        registry.blobs.delete(blob.key)


def _document(name: str, body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict) or document.get("name", name) != name:
        raise UpstreamUnavailableError(f"The upstream answered no packument for {name}")
    if not isinstance(document.get("versions", {}), dict):
        raise UpstreamUnavailableError(f"The upstream's packument for {name} has no versions")
    return document


def _key(name: str, rest: str) -> str:
    return f"{PREFIX}{name}/{rest}"


def _path(name: str) -> str:
    # npm's own encoding of a scoped name in a path: @scope%2fname.
    return urllib.parse.quote(name, safe="@")


def _get(upstream: Upstream, url: str, accept: str, etag: str) -> tuple[int, bytes, str]:
    """(status, body, ETag). 404 and 304 are answers; anything else that is not 200 is the
    upstream being unavailable."""
    headers = {"accept": accept, "user-agent": USER_AGENT}
    if etag:
        headers["if-none-match"] = etag
    origin = urllib.parse.urlsplit(upstream.url)
    parsed = urllib.parse.urlsplit(url)
    # The token goes to its origin only, never to a host a `dist.tarball` happens to name.
    if upstream.token and (parsed.scheme, parsed.netloc) == (origin.scheme, origin.netloc):
        headers["authorization"] = f"Bearer {upstream.token}"
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            return int(answer.status), answer.read(), str(answer.headers.get("etag") or "")
    except urllib.error.HTTPError as exc:
        if exc.code in (304, 404):
            return exc.code, b"", ""
        raise UpstreamUnavailableError(f"GET {url} answered {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise UpstreamUnavailableError(f"GET {url} failed: {exc}") from None
