"""An upstream's document as this registry serves it: tarball URLs of this registry, signed
with its keys (the upstream's signatures are by keys npm would look for here, and its
attestations point at bundles not kept here), in the full and the abbreviated shape. Rendered
once per upstream answer, base URL and signing key, and kept."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from chalicelib.packuments.quarantine import changed_quarantine, quarantined
from chalicelib.packuments.render import abbreviate, tarball_url
from chalicelib.registry import Registry
from chalicelib.signatures.signer import Signer, current_signer
from chalicelib.upstream.cache import Cached, render_key
from chalicelib.writes.rendered import CORGI, FULL, RENDER_VERSION, encode

JSON_TYPE = "application/json"


def upstream_document(
    registry: Registry, cached: Cached, base_url: str, variant: str
) -> tuple[bytes, str]:
    """(body, ETag), without the versions the release-age quarantine hides now (as for local
    packages: packuments/quarantine.py)."""
    body, stamp = _rendered(registry, cached, base_url, variant)
    quarantine = changed_quarantine(registry.settings, cached.name, cached.modified)
    if quarantine is not None:
        document, hidden = quarantined(json.loads(body), quarantine)
        if hidden:
            held = hashlib.sha1(",".join(hidden).encode(), usedforsecurity=False).hexdigest()[:8]
            return encode(document), f'"{stamp}-{variant}-q{held}"'
    return body, f'"{stamp}-{variant}"'


def _rendered(registry: Registry, cached: Cached, base_url: str, variant: str) -> tuple[bytes, str]:
    """(body, stamp): the render kept, else made and kept."""
    signer = current_signer(registry.signing_keys)
    parts = (RENDER_VERSION, cached.digest, base_url, signer.keyid if signer else "")
    stamp = hashlib.sha1("\n".join(parts).encode(), usedforsecurity=False).hexdigest()[:20]
    kept = registry.blobs.get(render_key(cached.name, cached.digest, stamp, variant))
    if kept is not None:
        return kept, stamp
    full = _full(cached.name, cached.document, base_url, signer)
    rendered = {FULL: encode(full), CORGI: encode(_abbreviated(full))}
    for each, body in rendered.items():
        registry.blobs.put(render_key(cached.name, cached.digest, stamp, each), body, JSON_TYPE)
    return rendered[variant], stamp


def _full(
    name: str, document: dict[str, Any], base_url: str, signer: Signer | None
) -> dict[str, Any]:
    versions = {
        number: _manifest(name, number, manifest, base_url, signer)
        for number, manifest in (document.get("versions") or {}).items()
        if isinstance(manifest, dict)
    }
    return {**document, "versions": versions}


def _manifest(
    name: str, number: str, manifest: dict[str, Any], base_url: str, signer: Signer | None
) -> dict[str, Any]:
    dist = {
        k: v
        for k, v in (manifest.get("dist") or {}).items()
        if k not in ("signatures", "attestations")
    }
    dist["tarball"] = tarball_url(base_url, name, number)
    if signer is not None:
        dist["signatures"] = signer.signatures(name, number, dist)
    return {**manifest, "dist": dist}


def _abbreviated(full: dict[str, Any]) -> dict[str, Any]:
    time = full.get("time") or {}
    return {
        "name": full.get("name"),
        "modified": time.get("modified"),
        "dist-tags": full.get("dist-tags") or {},
        "versions": {number: abbreviate(manifest) for number, manifest in full["versions"].items()},
        "time": time,
    }
