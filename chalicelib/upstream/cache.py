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

import contextlib
import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from http.client import HTTPException, HTTPResponse
from typing import Any

from chalicelib.blocking import will_block
from chalicelib.errors import (
    IntegrityMismatchError,
    TarballNotFoundError,
    UpstreamUnavailableError,
)
from chalicelib.packuments.dist import verify_tarball, version_from_file
from chalicelib.packuments.quarantine import newest_release
from chalicelib.settings import Settings
from chalicelib.storage.ports.blobs import BlobStore
from chalicelib.upstream.origins import Upstream

USER_AGENT = "tarbox-upstream"
TIMEOUT_SECONDS = 10
# After the upstream failed to answer, the copy kept is served this long without asking again.
BACKOFF_SECONDS = 30
JSON_TYPE = "application/json"
CHUNK_BYTES = 64 * 1024
HIT, MISS, REVALIDATED, STALE = "hit", "miss", "revalidated", "stale"
PREFIX = "upstream/"
STATE = "state.json"
PACKUMENT = "packument.json"


@dataclass(frozen=True)
class Cached:
    name: str
    digest: str  # of the document's bytes: what renders of it are keyed by
    how: str  # HIT, MISS, REVALIDATED or STALE
    modified: str  # its `time.modified` ("" when it has none): for the quarantine
    load: Callable[[], bytes] = field(repr=False, compare=False)
    pins: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def document(self) -> dict[str, Any]:
        """The upstream's full document with the versions pinned here (upstream/pins.py), read
        and parsed only when needed: a read answered from a kept render, and a tarball already
        kept, need neither."""
        return with_pins(_document(self.name, self.load()), self.pins)


def cached_packument(
    blobs: BlobStore, settings: Settings, upstream: Upstream, name: str
) -> Cached | None:
    """The upstream's document for `name`, from the copy kept while it is fresh; None when the
    upstream has no such package."""
    state = _state(blobs, name)
    if state is not None and (_fresh(settings, state) or _backing_off(state)):
        how = HIT if _fresh(settings, state) else STALE
        return _from_state(state, name, how, _loader(blobs, name))
    kept = blobs.get(_key(name, PACKUMENT)) if state is not None else None
    if state is None or kept is None:
        state, kept = None, None
    etag = str(state.get("etag") or "") if state is not None else ""
    try:
        status, body, new_etag = _get(upstream, f"{upstream.url}/{_path(name)}", JSON_TYPE, etag)
    except UpstreamUnavailableError:
        if state is None or kept is None:
            raise
        # Better the copy kept than an error: the header says it was not revalidated. The
        # upstream is not asked again for a while: each ask may wait out the timeout.
        state = _update_state(blobs, name, {"failed": time.time()})
        return _from_state(state, name, STALE, lambda: kept)
    # Read again now: an operator may have pinned or unpinned while the upstream was asked.
    pins: dict[str, Any] = dict((_state(blobs, name) or {}).get("pins") or {})
    if status == 404 and not pins:
        _forget(blobs, name)
        return None
    if status == 304 and kept is not None:
        state = _update_state(blobs, name, {"fetched": time.time(), "failed": None})
        return _from_state(state, name, REVALIDATED, lambda: kept)
    if status == 404:
        # Gone upstream, but an operator pinned versions of it: those stay, and only those.
        body, new_etag = json.dumps({"name": name, "versions": {}}).encode(), ""
    document = _document(name, body)
    modified = (document.get("time") or {}).get("modified")
    body_digest = hashlib.sha256(body).hexdigest()[:20]
    cached = Cached(
        name,
        _digest(body_digest, pins),
        MISS if kept is None else REVALIDATED,
        modified if isinstance(modified, str) else "",
        lambda: body,
        pins,
    )
    _replace(blobs, cached, body, new_etag, body_digest, gone=status == 404)
    return cached


def kept_packument(blobs: BlobStore, name: str) -> Cached | None:
    """The document kept for `name`, fresh or not, without asking the upstream."""
    state = _state(blobs, name)
    return None if state is None else _from_state(state, name, HIT, _loader(blobs, name))


def set_pins(blobs: BlobStore, name: str, pins: dict[str, Any]) -> None:
    """Pin exactly these versions of a kept package (upstream/pins.py): {version: {"manifest",
    "time"}}. Its renders are made afresh; the tarballs of versions neither pinned nor in the
    upstream's document go."""
    state = _state(blobs, name)
    if state is None:
        raise UpstreamUnavailableError(f"Nothing is kept of {name}")
    if not pins and state.get("gone"):
        _forget(blobs, name)  # the upstream no longer has it: neither does this registry
        return
    body_digest = str(state.get("document_digest") or state["digest"])
    state = {**state, "pins": pins, "digest": _digest(body_digest, pins)}
    _save_state(blobs, name, state)
    upstream_versions = (_document(name, _loader(blobs, name)()).get("versions") or {}).keys()
    _drop_replaced(blobs, name, str(state["digest"]), {*upstream_versions, *pins})


def with_pins(document: dict[str, Any], pins: dict[str, Any]) -> dict[str, Any]:
    """The upstream's document with the pinned versions put back. `latest` moves to the newest
    of them only when the upstream's own is gone."""
    if not pins:
        return document
    versions = dict(document.get("versions") or {})
    times = dict(document.get("time") or {})
    for number, pin in pins.items():
        # The pinned manifest, even when the upstream has the version again: it is what the
        # tarball kept matches.
        versions[number] = pin["manifest"]
        if pin.get("time"):
            times[number] = pin["time"]
    tags = {t: v for t, v in (document.get("dist-tags") or {}).items() if v in versions}
    if "latest" not in tags and (newest := newest_release(versions)) is not None:
        tags["latest"] = newest
    return {**document, "versions": versions, "time": times, "dist-tags": tags}


def _digest(body_digest: str, pins: dict[str, Any]) -> str:
    """What renders are keyed by: the upstream's bytes, and what is pinned."""
    if not pins:
        return body_digest
    parts = body_digest + json.dumps(pins, sort_keys=True)
    return hashlib.sha256(parts.encode()).hexdigest()[:20]


def _from_state(state: dict[str, Any], name: str, how: str, load: Callable[[], bytes]) -> Cached:
    modified, pins = str(state.get("modified") or ""), dict(state.get("pins") or {})
    return Cached(name, str(state["digest"]), how, modified, load, pins)


def _loader(blobs: BlobStore, name: str) -> Callable[[], bytes]:
    return lambda: _kept(blobs, _key(name, PACKUMENT))


def fresh_tarball(
    blobs: BlobStore, settings: Settings, name: str, file: str
) -> tuple[str, str] | None:
    """(the key of a tarball kept, its document's `time.modified`) while the document is fresh
    (the tarballs of versions it no longer has are gone): a download then reads no document."""
    state = _state(blobs, name)
    key = _key(name, f"-/{file}")
    if state is None or not _fresh(settings, state) or not _stored(blobs, key):
        return None
    return key, str(state.get("modified") or "")


@dataclass
class Download:
    """A tarball on its way from the upstream: its bytes as they arrive. It is kept once the
    last chunk is in and the whole matches the upstream's integrity; never before."""

    key: str  # where it is kept
    length: int | None  # as the upstream said, when it did
    chunks: Generator[bytes, None, None]
    answer: HTTPResponse = field(repr=False)
    # Only bytes from the upstream's own origin may reach a client before they are checked (a
    # document naming another host could point anywhere, an internal address too); and only
    # with a length, so that a download that breaks off breaks the client's off too (a body
    # without one would end as if whole).
    streamable: bool = False

    def read_to_end(self) -> None:
        for _ in self.chunks:
            pass

    def close(self) -> None:
        """Let go of the upstream's answer, read to the end or not."""
        with contextlib.suppress(ValueError):  # still reading on another thread: the answer
            self.chunks.close()  # closed below ends that read
        self.answer.close()


def cached_tarball(
    blobs: BlobStore, upstream: Upstream, cached: Cached, file: str
) -> str | Download:
    """The blob key of the version's tarball when it is kept, else its download (which keeps
    it, checked against the upstream's integrity, once read to the end)."""
    name = cached.name
    version = version_from_file(name, file)
    key = _key(name, f"-/{file}")
    if _stored(blobs, key):  # the tarballs of versions the document dropped are gone
        return key
    will_block()  # before the document is read: that is the pool's work too
    manifest = (cached.document.get("versions") or {}).get(version)
    missing = TarballNotFoundError(f"{name}: no tarball {file}")
    if not isinstance(manifest, dict):
        raise missing
    dist = manifest.get("dist") or {}
    url = dist.get("tarball")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise missing
    _, answer = _open(upstream, url, "application/octet-stream", "")
    if answer is None:
        raise missing
    header = answer.headers.get("content-length")
    length = int(header) if header and header.isdigit() else None
    what = f"{name}@{version}"
    same_origin = _origin(url) == _origin(upstream.url) == _origin(answer.geturl())
    return Download(
        key,
        length,
        _kept_once_read(blobs, cached, key, what, dist, answer),
        answer,
        streamable=same_origin and length is not None,
    )


def _kept_once_read(
    blobs: BlobStore,
    cached: Cached,
    key: str,
    what: str,
    dist: dict[str, Any],
    answer: HTTPResponse,
) -> Generator[bytes, None, None]:
    parts: list[bytes] = []
    held = b""
    with answer:
        try:
            while chunk := answer.read(CHUNK_BYTES):
                parts.append(chunk)
                if held:
                    yield held
                held = chunk
        except (OSError, HTTPException) as exc:
            raise UpstreamUnavailableError(f"{what}: the download broke off: {exc}") from None
    data = b"".join(parts)
    # Kept only when it is what the upstream's document says: a tampered or truncated download
    # is never stored. The last chunk is held back until then, so a mismatch reaches the client
    # cut short (never whole and wrong), and a client that asks again the moment its download
    # ends finds the tarball kept rather than fetching it a second time.
    try:
        verify_tarball(what, dist, data)
    except IntegrityMismatchError as exc:
        raise UpstreamUnavailableError(f"The upstream's {exc.message}") from None
    if _still_wanted(blobs, cached, key):
        blobs.put(key, data, "application/octet-stream")
    if held:
        yield held


def _still_wanted(blobs: BlobStore, cached: Cached, key: str) -> bool:
    """Whether the version is still in the document kept: a revalidation during a long
    download may have dropped it, and a tarball stored after that would be served on."""
    state = _state(blobs, cached.name)
    if state is None:
        return False
    if state.get("digest") == cached.digest:
        return True
    now = _from_state(state, cached.name, HIT, _loader(blobs, cached.name))
    version = version_from_file(cached.name, key.rsplit("/", 1)[-1])
    return version in (now.document.get("versions") or {})


def _origin(url: str) -> tuple[str, str]:
    parsed = urllib.parse.urlsplit(url)
    return parsed.scheme, parsed.netloc


@dataclass(frozen=True)
class CachedPackage:
    """What `tarbox cache ls` says of one package."""

    name: str
    fetched: float  # when its document was last fetched or revalidated
    tarballs: int  # how many of its tarballs are kept
    pinned: tuple[str, ...] = ()  # versions kept even when the upstream removes them


def cached_packages(blobs: BlobStore) -> list[CachedPackage]:
    """Every package kept from an upstream, by name."""
    fetched: dict[str, float] = {}
    pinned: dict[str, tuple[str, ...]] = {}
    tarballs: dict[str, int] = {}
    for blob in blobs.list_blobs(PREFIX):
        rest = blob.key[len(PREFIX) :]
        if "/-/" in rest:
            name = rest.split("/-/", 1)[0]
            tarballs[name] = tarballs.get(name, 0) + 1
        elif rest.endswith(f"/{STATE}"):
            name = rest[: -len(STATE) - 1]
            state = _state(blobs, name) or {}
            fetched[name] = float(state.get("fetched") or 0)
            pinned[name] = tuple(sorted(state.get("pins") or {}))
    return [CachedPackage(n, fetched[n], tarballs.get(n, 0), pinned[n]) for n in sorted(fetched)]


def purge(blobs: BlobStore, name: str) -> bool:
    """Forget what is kept of `name`: its next request fetches it afresh. False when nothing
    was kept."""
    kept = any(True for _ in blobs.list_blobs(_key(name, "")))
    _forget(blobs, name)
    return kept


def render_key(name: str, digest: str, stamp: str, variant: str) -> str:
    return _key(name, f"renders/{digest}/{stamp}-{variant}.json")


def _replace(
    blobs: BlobStore, cached: Cached, body: bytes, etag: str, body_digest: str, *, gone: bool
) -> None:
    """Keep a new document (checked first), and drop what was kept of the one it replaces: its
    renders (read whole before they are sent), and the tarballs of versions it no longer has
    (but those pinned)."""
    name, versions = cached.name, cached.document.get("versions") or {}
    blobs.put(_key(name, PACKUMENT), body, JSON_TYPE)
    state = {
        "etag": etag,
        "fetched": time.time(),
        "digest": cached.digest,
        "document_digest": body_digest,
        "modified": cached.modified,
        "pins": cached.pins,
        "gone": gone,  # the upstream answered 404: only the pins keep it here
    }
    _save_state(blobs, name, state)
    _drop_replaced(blobs, name, cached.digest, versions)


def _drop_replaced(blobs: BlobStore, name: str, digest: str, versions: Iterable[str]) -> None:
    shown = set(versions)
    for blob in list(blobs.list_blobs(_key(name, ""))):
        if _replaced(name, blob.key[len(_key(name, "")) :], digest, shown):
            blobs.delete(blob.key)


def _replaced(name: str, rest: str, digest: str, versions: set[str]) -> bool:
    if rest.startswith("renders/"):
        return not rest.startswith(f"renders/{digest}/")
    return rest.startswith("-/") and version_from_file(name, rest[2:]) not in versions


def _fresh(settings: Settings, state: dict[str, Any]) -> bool:
    return time.time() - float(state["fetched"]) < settings.upstream_ttl


def _stored(blobs: BlobStore, key: str) -> bool:
    # A file is one stat; an object store has no cheaper question than a listing.
    if blobs.local_path(key) is not None:
        return True
    return any(blob.key == key for blob in blobs.list_blobs(key))


def _kept(blobs: BlobStore, key: str) -> bytes:
    kept = blobs.get(key)
    if kept is None:
        raise UpstreamUnavailableError(f"The kept copy {key} is missing: `tarbox cache purge` it")
    return kept


def _state(blobs: BlobStore, name: str) -> dict[str, Any] | None:
    raw = blobs.get(_key(name, STATE))
    return json.loads(raw) if raw else None


def _update_state(blobs: BlobStore, name: str, changes: dict[str, Any]) -> dict[str, Any]:
    """The state as it is now (pins set meanwhile included), with `changes`."""
    state = {**(_state(blobs, name) or {}), **changes}
    _save_state(blobs, name, state)
    return state


def _backing_off(state: dict[str, Any]) -> bool:
    failed = state.get("failed")
    return failed is not None and time.time() - float(failed) < BACKOFF_SECONDS


def _save_state(blobs: BlobStore, name: str, state: dict[str, Any]) -> None:
    blobs.put(_key(name, STATE), json.dumps(state).encode(), JSON_TYPE)


def _forget(blobs: BlobStore, name: str) -> None:
    for blob in list(blobs.list_blobs(_key(name, ""))):
        blobs.delete(blob.key)


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
    status, answer = _open(upstream, url, accept, etag)
    if answer is None:
        return status, b"", ""
    with answer:
        try:
            return status, answer.read(), str(answer.headers.get("etag") or "")
        except (OSError, HTTPException) as exc:
            raise UpstreamUnavailableError(f"GET {url} broke off: {exc}") from None


def _open(upstream: Upstream, url: str, accept: str, etag: str) -> tuple[int, HTTPResponse | None]:
    """(status, the answer with its body not read yet). 304 and 404 are answers without one;
    anything else but a 200 is the upstream being unavailable."""
    will_block()
    headers = {"accept": accept, "user-agent": USER_AGENT}
    if etag:
        headers["if-none-match"] = etag
    origin = urllib.parse.urlsplit(upstream.url)
    parsed = urllib.parse.urlsplit(url)
    # The token goes to its origin only, never to a host a `dist.tarball` happens to name.
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only
    if upstream.token and (parsed.scheme, parsed.netloc) == (origin.scheme, origin.netloc):
        # Never sent on where the origin redirects (a private registry's tarball in S3 or a
        # CDN): urllib copies every other header to the next request, to any host.
        request.add_unredirected_header("Authorization", f"Bearer {upstream.token}")
    try:
        answer: HTTPResponse = urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)  # noqa: S310
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code in (304, 404):
            return exc.code, None
        raise UpstreamUnavailableError(f"GET {url} answered {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise UpstreamUnavailableError(f"GET {url} failed: {exc}") from None
    if answer.status != 200:
        answer.close()
        raise UpstreamUnavailableError(f"GET {url} answered {answer.status}")
    return 200, answer
