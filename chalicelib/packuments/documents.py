"""Rendered packuments: rendered once per change, stored as bytes, served as stored.

A rendered document is a cache keyed by the package's rev and the public base URL, so it can
always be rebuilt from the table, and a render of an old rev can never overwrite a newer one: they
live under different keys (old ones are swept by the bucket's lifecycle rule).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

from chalicelib.auth.service import Actor
from chalicelib.errors import PackageNotFoundError
from chalicelib.packuments.render import (
    CORGI_CONTENT_TYPE,
    abbreviated_packument,
    full_packument,
)
from chalicelib.packuments.visibility import Seen, require_seen
from chalicelib.registry import Registry
from chalicelib.storage.ports import PackageRecord, VersionRecord

JSON_CONTENT_TYPE = "application/json"
# Part of every rendered document's key and ETag: bump it when render.py changes what it writes,
# and every package is rendered afresh on its next read.
RENDER_VERSION = "1"
FULL = "full"
CORGI = "corgi"


@dataclass(frozen=True)
class Document:
    body: bytes
    etag: str
    content_type: str
    package: PackageRecord
    seen: Seen
    key: str  # where the stored copy is, for a redirect when it is too large to answer inline


def _stamp(package: PackageRecord, base_url: str) -> str:
    return hashlib.sha1(
        f"{RENDER_VERSION}\n{package.name}\n{package.created}\n{package.rev}\n{base_url}".encode(),
        usedforsecurity=False,
    ).hexdigest()[:20]


def _key(package: PackageRecord, base_url: str, variant: str) -> str:
    return f"packuments/{package.name}/{_stamp(package, base_url)}/{variant}.json"


def _encode(document: object) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def render_documents(
    registry: Registry,
    package: PackageRecord,
    base_url: str,
    versions: list[VersionRecord] | None = None,
) -> dict[str, bytes]:
    """Render and store both documents of `package` at its current rev. A writer that has just
    read the versions passes them, so a change reads them once, not twice."""
    if versions is None:
        versions = registry.packages.list_versions(package.name)
    rendered = {
        FULL: _encode(full_packument(package, versions, base_url)),
        CORGI: _encode(abbreviated_packument(package, versions, base_url)),
    }
    for variant, body in rendered.items():
        registry.blobs.put(_key(package, base_url, variant), body, JSON_CONTENT_TYPE)
    # The previous rev's render is garbage now (renders for other hosts age out by lifecycle).
    previous = replace(package, rev=package.rev - 1)
    for variant in rendered:
        registry.blobs.delete(_key(previous, base_url, variant))
    return rendered


def read_document(
    registry: Registry, actor: Actor | None, name: str, *, abbreviated: bool, base_url: str
) -> Document:
    package = registry.packages.get_package(name)
    if package is None:
        raise PackageNotFoundError(f"'{name}' is not in this registry")
    seen = require_seen(registry, actor, package)
    variant = CORGI if abbreviated else FULL
    key = _key(package, base_url, variant)
    body = registry.blobs.get(key)
    if body is None:
        body = render_documents(registry, package, base_url)[variant]
    return Document(
        body=body,
        etag=f'"{_stamp(package, base_url)}-{variant}"',
        content_type=CORGI_CONTENT_TYPE if abbreviated else JSON_CONTENT_TYPE,
        package=package,
        seen=seen,
        key=key,
    )


def offload_url(registry: Registry, document: Document) -> str | None:
    """A short-lived URL of the stored copy, for a document larger than a response may be (a
    Lambda answers at most 6 MB); None to answer it inline. Checked after the access check,
    like a tarball's."""
    limit = registry.settings.max_response_bytes
    if limit is None or envelope_size(document.body, limit) <= limit:
        return None
    return registry.blobs.download_url(document.key, registry.settings.tarball_url_ttl)


def envelope_size(body: bytes, limit: int) -> int:
    """About how many bytes the body takes in Lambda's response, which the runtime serialises as
    a JSON string: quotes and backslashes double, and non-ASCII characters become \\u escapes
    (at most 3 bytes for each byte). Counted exactly only when the bound could pass `limit`."""
    bound = len(body) * 3
    return bound if bound <= limit else len(json.dumps(body.decode()))
