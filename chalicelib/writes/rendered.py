"""Rendered packuments: rendered once per change, stored as bytes, served as stored.

A rendered document is a cache keyed by the package's rev and the public base URL, so it can
always be rebuilt from the table, and a render of an old rev can never overwrite a newer one: they
live under different keys (old ones are swept by the bucket's lifecycle rule).

Behind `tarbox serve` each document is also stored gzipped and brotli-compressed, made once at
write time (or at the first read that wants them): an install of a big package then costs the
server a file send, not a compression. On AWS, CloudFront compresses at the edge instead.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import replace

from chalicelib.packuments.render import abbreviated_packument, full_packument
from chalicelib.registry import Registry
from chalicelib.signatures.signer import Signer, current_signer
from chalicelib.storage.records import PackageRecord, VersionRecord

JSON_CONTENT_TYPE = "application/json"
RENDERS = "packuments/"  # where rendered documents are kept, by package
# Part of every rendered document's key and ETag: bump it when render.py changes what it writes,
# and every package is rendered afresh on its next read.
RENDER_VERSION = "2"  # 2: `time` in the abbreviated document
FULL = "full"
CORGI = "corgi"
# Content-Encoding -> the stored copy's suffix. Levels chosen for write-time cost, measured on a
# 1.7 MB 2,000-version document: gzip 6 in 14 ms (1% larger than level 9), brotli 5 in 23 ms
# (16% larger than level 11, which takes 3 s).
ENCODINGS = {"br": ".br", "gzip": ".gz"}


def compress(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        import brotli

        return bytes(brotli.compress(body, quality=5))
    return gzip.compress(body, compresslevel=6, mtime=0)


def stamp_of(package: PackageRecord, base_url: str, signer: Signer | None) -> str:
    # The signing key is part of it: after a rotation every document is signed afresh.
    keyid = signer.keyid if signer else ""
    parts = (RENDER_VERSION, package.name, package.created, str(package.rev), base_url, keyid)
    return hashlib.sha1("\n".join(parts).encode(), usedforsecurity=False).hexdigest()[:20]


def rendered_key(
    package: PackageRecord,
    base_url: str,
    signer: Signer | None,
    variant: str,
    encoding: str | None = None,
) -> str:
    return stamped_key(package.name, stamp_of(package, base_url, signer), variant, encoding)


def stamped_key(name: str, stamp: str, variant: str, encoding: str | None) -> str:
    suffix = ENCODINGS[encoding] if encoding else ""
    return f"{RENDERS}{name}/{stamp}/{variant}.json{suffix}"


def encode(document: object) -> bytes:
    """A document as served: compact JSON, UTF-8."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def render_documents(
    registry: Registry,
    package: PackageRecord,
    base_url: str,
    versions: list[VersionRecord] | None = None,
    signer: Signer | None = None,
) -> dict[str, bytes]:
    """Render and store both documents of `package` at its current rev, signed with the current
    key (or `signer`, the one a read stamped its key with). A writer that has just read the
    versions passes them, so a change reads them once, not twice."""
    if versions is None:
        versions = registry.packages.list_versions(package.name)
    if signer is None:
        signer = current_signer(registry.signing_keys)
    rendered = {
        FULL: encode(full_packument(package, versions, base_url, signer)),
        CORGI: encode(abbreviated_packument(package, versions, base_url, signer)),
    }
    encodings: list[str] = list(ENCODINGS) if registry.settings.local_server else []
    # Compressed copies exist only on the embedded backend's files or behind `tarbox serve`;
    # a command (mirror, import) rendering there must remove old ones too.
    local_files = registry.settings.local_server or registry.settings.backend == "embedded"
    stale = list(ENCODINGS) if local_files else []
    for variant, body in rendered.items():
        registry.blobs.put(
            rendered_key(package, base_url, signer, variant), body, JSON_CONTENT_TYPE
        )
        for encoding in encodings:
            key = rendered_key(package, base_url, signer, variant, encoding)
            registry.blobs.put(key, compress(body, encoding), JSON_CONTENT_TYPE)
    # The render before the previous one is garbage now. The previous one is kept: a read that
    # loaded the package just before this write may be about to send its file. On AWS renders
    # for other hosts age out by the bucket's lifecycle; behind `tarbox serve` the hosts are few.
    older = replace(package, rev=package.rev - 2)
    for base in {base_url, *registry.settings.local_base_urls()}:
        for variant in rendered:
            for stored in [None, *stale]:
                registry.blobs.delete(rendered_key(older, base, signer, variant, stored))
    return rendered
