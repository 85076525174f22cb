"""`GET /-/npm/v1/attestations/{name}@{version}`, as npmjs serves it: pacote fetches the path
of `dist.attestations.url` from the registry it installs from and checks each bundle
(lib/registry.js)."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.auth.service import Actor
from chalicelib.errors import InvalidPayloadError, VersionNotFoundError
from chalicelib.packuments.dist import provenance_key
from chalicelib.packuments.versions import clean
from chalicelib.registry import Registry
from chalicelib.serving.lookup import find_version
from chalicelib.serving.visibility import Seen


def attestations(registry: Registry, actor: Actor | None, spec: str) -> tuple[dict[str, Any], Seen]:
    """`{"attestations": [{predicateType, bundle}]}` for `name@version`, to whoever may read it."""
    name, _, version = spec.rpartition("@")
    if not name or clean(version) != version:
        raise InvalidPayloadError(f"Attestations are asked for as name@version, not {spec!r}")
    _, record, seen = find_version(registry, actor, name, version)
    key = provenance_key(record)
    stored = registry.blobs.get(key) if key is not None else None
    if stored is None:
        raise VersionNotFoundError(f"{name}@{version} has no attestations")
    predicate_type = record.manifest["dist"]["attestations"]["provenance"]["predicateType"]
    attestation = {"predicateType": predicate_type, "bundle": json.loads(stored)}
    return {"attestations": [attestation]}, seen
