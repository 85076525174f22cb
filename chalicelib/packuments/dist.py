"""Where a version's tarball and provenance bundle are kept, and `dist.attestations` as served.

A tarball is keyed by its sha1 (`tarball_key`): two racing publishes of one version can never
overwrite each other's bytes, and the version item, written once, says which is the real one. A
bundle is stored as a blob beside its tarball, keyed by the tarball's sha1 like the tarball
itself: a lost publish race can never leave one version pointing at another tarball's bundle.
The stored `dist.attestations` holds the predicate type alone; its `url` is made at render time,
like `dist.tarball`, so no host is stored.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from chalicelib.errors import IntegrityMismatchError, TarballNotFoundError
from chalicelib.storage.records import VersionRecord

PATH = "/-/npm/v1/attestations/"
TARBALLS, BUNDLES = "tarballs/", "attestations/"  # where blobs of each kind are kept


def tarball_key(name: str, shasum: str) -> str:
    return f"{TARBALLS}{name}/{shasum}.tgz"


def is_tarball_key_of(name: str, key: str) -> bool:
    return key.startswith(f"{TARBALLS}{name}/")


def sha512_integrity(data: bytes) -> str:
    """The subresource-integrity string npm puts in `dist.integrity`."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def verify_tarball(what: str, dist: dict[str, Any], data: bytes) -> None:
    """Bytes from elsewhere (a mirror's source, an export) checked against their manifest's
    `dist`, by ssri's rule: the strongest hash named must match. npm's integrity is sha512; very old
    versions have only a sha1 `shasum`."""
    integrity = str(dist.get("integrity") or "")
    sha512 = [part for part in integrity.split() if part.startswith("sha512-")]
    if sha512:
        if sha512_integrity(data) not in sha512:
            raise IntegrityMismatchError(f"{what}: the tarball does not match dist.integrity")
        return
    shasum = str(dist.get("shasum") or "")
    if not shasum or hashlib.sha1(data, usedforsecurity=False).hexdigest() != shasum:
        raise IntegrityMismatchError(f"{what}: the tarball does not match dist.shasum")


def version_from_file(name: str, file: str) -> str:
    """The version a tarball's file name (the last part of its URL) is of."""
    prefix = name.rsplit("/", 1)[-1] + "-"
    if not (file.startswith(prefix) and file.endswith(".tgz")):
        raise TarballNotFoundError(f"{file} is not a tarball of {name}")
    return file[len(prefix) : -len(".tgz")]


def bundle_key(name: str, shasum: str) -> str:
    return f"{BUNDLES}{name}/{shasum}.sigstore.json"


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
