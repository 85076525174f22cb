"""Where a version's provenance bundle is kept, and `dist.attestations` as served.

A bundle is stored as a blob beside its tarball, keyed by the tarball's sha1 like the tarball
itself: a lost publish race can never leave one version pointing at another tarball's bundle.
The stored `dist.attestations` holds the predicate type alone; its `url` is made at render time,
like `dist.tarball`, so no host is stored.
"""

from __future__ import annotations

from typing import Any

from chalicelib.storage.ports import VersionRecord

PATH = "/-/npm/v1/attestations/"


def bundle_key(name: str, shasum: str) -> str:
    return f"attestations/{name}/{shasum}.sigstore.json"


def provenance_key(version: VersionRecord) -> str | None:
    """Where the version's bundle is, if it was published with provenance."""
    dist = version.manifest.get("dist") or {}
    if not _ours(dist.get("attestations")):
        return None
    return bundle_key(version.name, str(dist.get("shasum")))


def attestations_url(base_url: str, name: str, version: str) -> str:
    """npmjs's form: the scope's slash escaped (`@scope%2fname@1.0.0`)."""
    return f"{base_url}{PATH}{name.replace('/', '%2f')}@{version}"


def with_url(dist: dict[str, Any], base_url: str, name: str, version: str) -> dict[str, Any]:
    """`dist.attestations` as served: the stored predicate types, with this registry's URL."""
    stored = dist.get("attestations")
    if stored is None:
        return dist
    if not _ours(stored):
        return {k: v for k, v in dist.items() if k != "attestations"}
    return {**dist, "attestations": {**stored, "url": attestations_url(base_url, name, version)}}


def _ours(attestations: Any) -> bool:
    """Stored by a publish here: a predicate type and no URL. A version mirrored before the
    mirror dropped them holds its source's (with the source's URL), whose bundles are not here:
    served, they would send npm to a 404, which aborts its audit."""
    return (
        isinstance(attestations, dict)
        and "provenance" in attestations
        and "url" not in attestations
    )
