"""`GET /{pkg}`: a package's stored packument, full or abbreviated, as rendered at its rev
(writes/rendered.py), in the encoding the client takes, or 304 by ETag. A document still in a
release-age quarantine is served without the versions it holds back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from chalicelib.acl.guard import may_write
from chalicelib.auth.service import Actor
from chalicelib.errors import PackageNotFoundError
from chalicelib.packuments.quarantine import Quarantine, quarantine_for, quarantined
from chalicelib.packuments.render import CORGI_CONTENT_TYPE
from chalicelib.registry import Registry
from chalicelib.serving.visibility import Seen, require_seen
from chalicelib.signatures.signer import Signer, current_signer
from chalicelib.storage.records import PackageRecord
from chalicelib.writes.rendered import (
    CORGI,
    ENCODINGS,
    FULL,
    JSON_CONTENT_TYPE,
    compress,
    encode,
    render_documents,
    rendered_key,
    stamp_of,
    stamped_key,
)


@dataclass(frozen=True)
class Document:
    body: bytes
    etag: str
    content_type: str
    package: PackageRecord
    seen: Seen
    key: str  # where the stored copy is, for a redirect when it is too large to answer inline
    encoding: str | None = None  # the Content-Encoding of `body` (None: as rendered)
    path: str | None = None  # a local file holding `body`, to send instead of it


def read_document(  # noqa: PLR0913 - all but three are keyword-only options
    registry: Registry,
    actor: Actor | None,
    name: str,
    *,
    abbreviated: bool,
    base_url: str,
    encodings: tuple[str, ...] = (),
    if_none_match: str | None = None,
    write: bool = False,
) -> Document:
    """The stored document, in the first of `encodings` (Content-Encodings the client takes, in
    the server's order of preference) that is stored or can be made, else as rendered.

    When `if_none_match` names its ETag the answer is a 304, and the body is not read: a client's
    or the CDN's revalidation costs the package item alone (docs/cost.md). `write`: npm's
    `?write=true` read, before it changes the package."""
    package = registry.packages.get_package(name)
    if package is None:
        raise PackageNotFoundError(f"'{name}' is not in this registry")
    seen = require_seen(registry, actor, package)
    variant = CORGI if abbreviated else FULL
    encoding = next((e for e in ENCODINGS if e in encodings), None)
    signer = current_signer(registry.signing_keys)
    stamp = stamp_of(package, base_url, signer)
    quarantine = quarantine_for(registry.settings, package)
    # npm's unpublish and deprecate read `?write=true` and send the whole document back: a
    # writer's copy must hold every version, or the held-back ones would be unpublished.
    if quarantine is not None and not (write and may_write(registry, actor, package)):
        held, key, etag = _quarantined_copy(
            registry, package, base_url, signer, variant, quarantine
        )
        content_type = CORGI_CONTENT_TYPE if abbreviated else JSON_CONTENT_TYPE
        return Document(held, etag, content_type, package, seen, key)
    key = stamped_key(package.name, stamp, variant, encoding)
    suffix = f"-{encoding}" if encoding else ""
    etag = f'"{stamp}-{variant}{suffix}"'
    # A file is sent by the local server itself (zero-copy); anywhere else the bytes are read.
    path = registry.blobs.local_path(key) if registry.settings.local_server else None
    body = b"" if path is not None or matches(etag, if_none_match) else registry.blobs.get(key)
    if body is None:
        body = _stored_copy(registry, package, base_url, signer, variant, encoding)
    return Document(
        body=body,
        etag=etag,
        content_type=CORGI_CONTENT_TYPE if abbreviated else JSON_CONTENT_TYPE,
        package=package,
        seen=seen,
        key=key,
        encoding=encoding,
        path=path,
    )


def _quarantined_copy(
    registry: Registry,
    package: PackageRecord,
    base_url: str,
    signer: Signer | None,
    variant: str,
    quarantine: Quarantine,
) -> tuple[bytes, str, str]:
    """(body, key, ETag) of the stored render without the versions the quarantine hides now.
    Made on every read while the package is within the quarantine's window: it changes as time
    passes, not only when the package does. Its ETag names what it hides."""
    stamp = stamp_of(package, base_url, signer)
    key = stamped_key(package.name, stamp, variant, None)
    plain = registry.blobs.get(key)
    if plain is None:
        plain = render_documents(registry, package, base_url, signer=signer)[variant]
    document, hidden = quarantined(json.loads(plain), quarantine)
    if not hidden:
        return plain, key, f'"{stamp}-{variant}"'
    held = "q" + hashlib.sha1(",".join(hidden).encode(), usedforsecurity=False).hexdigest()[:8]
    body = encode(document)
    key = stamped_key(package.name, stamp, f"{variant}-{held}", None)
    # Too large to answer inline on Lambda: the redirect must lead to this copy, not the render.
    limit = registry.settings.max_response_bytes
    if (
        limit is not None
        and not registry.settings.local_server
        and envelope_size(body, limit) > limit
    ):
        registry.blobs.put(key, body, JSON_CONTENT_TYPE)
    return body, key, f'"{stamp}-{variant}-{held}"'


def matches(etag: str, if_none_match: str | None) -> bool:
    """Whether an If-None-Match header names `etag` (a comma-separated list of ETags)."""
    return bool(if_none_match) and etag in {t.strip() for t in (if_none_match or "").split(",")}


def _stored_copy(
    registry: Registry,
    package: PackageRecord,
    base_url: str,
    signer: Signer | None,
    variant: str,
    encoding: str | None,
) -> bytes:
    """A missing stored copy, made and kept: rendered (a base URL read for the first time, or a
    render version bumped), or compressed from the rendered one (a document stored before
    compressed copies were, or written by a command rather than the server)."""
    plain = registry.blobs.get(rendered_key(package, base_url, signer, variant))
    if plain is None:
        plain = render_documents(registry, package, base_url, signer=signer)[variant]
    if encoding is None:
        return plain
    body = compress(plain, encoding)
    registry.blobs.put(
        rendered_key(package, base_url, signer, variant, encoding), body, JSON_CONTENT_TYPE
    )
    return body


def offload_url(registry: Registry, document: Document) -> str | None:
    """A short-lived URL of the stored copy, for a document larger than a response may be (a
    Lambda answers at most 6 MB); None to answer it inline. Checked after the access check,
    like a tarball's."""
    limit = registry.settings.max_response_bytes
    # Behind `tarbox serve` (either backend) there is no Lambda envelope to fit into, and a
    # compressed copy must never be sent as a redirect to bytes without their encoding.
    if registry.settings.local_server or limit is None:
        return None
    if envelope_size(document.body, limit) <= limit:
        return None
    return registry.blobs.download_url(document.key, registry.settings.tarball_url_ttl)


def envelope_size(body: bytes, limit: int) -> int:
    """About how many bytes the body takes in Lambda's response, which the runtime serialises as
    a JSON string: quotes and backslashes double, and non-ASCII characters become \\u escapes
    (at most 3 bytes for each byte). Counted exactly only when the bound could pass `limit`."""
    bound = len(body) * 3
    return bound if bound <= limit else len(json.dumps(body.decode()))
