"""The two documents npm reads for a package: the full packument and the abbreviated ("corgi") one.

Pure functions of the stored records, the registry's public base URL and its signing key.
`dist.tarball` is built here, at render time, so no host is ever baked into stored data (codebox
needed a migration command because it did); `dist.signatures` too, so every version is signed
with the current key, those published before signing existed included.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from chalicelib.packuments.dist import with_url
from chalicelib.packuments.meta import MAX_README_CHARS
from chalicelib.packuments.names import tarball_basename
from chalicelib.packuments.versions import sort_versions
from chalicelib.storage.records import PackageRecord, VersionRecord

if TYPE_CHECKING:
    from chalicelib.signatures.signer import Signer

CORGI_CONTENT_TYPE = "application/vnd.npm.install-v1+json"
# The per-version fields of an abbreviated packument (npm registry docs, package-metadata.md),
# plus `libc`, which pnpm needs to pick optional dependencies (pnpm#9950).
CORGI_VERSION_FIELDS = (
    "name",
    "version",
    "deprecated",
    "dependencies",
    "acceptDependencies",
    "optionalDependencies",
    "devDependencies",
    "bundleDependencies",
    "peerDependencies",
    "peerDependenciesMeta",
    "bin",
    "directories",
    "dist",
    "engines",
    "_hasShrinkwrap",
    "hasInstallScript",
    "funding",
    "cpu",
    "os",
    "libc",
)


def rev_string(package: PackageRecord) -> str:
    """CouchDB-style `_rev`: `<counter>-<hash>`; opaque to clients, changes on every mutation."""
    digest = hashlib.sha1(
        f"{package.name}\n{package.created}\n{package.rev}\n{package.modified}".encode(),
        usedforsecurity=False,
    ).hexdigest()
    return f"{package.rev}-{digest[:16]}"


def tarball_url(base_url: str, name: str, version: str) -> str:
    return f"{base_url}/{name}/-/{tarball_basename(name, version)}"


def version_manifest(
    version: VersionRecord, base_url: str, signer: Signer | None
) -> dict[str, Any]:
    manifest = dict(version.manifest)
    dist = with_url(
        {
            **manifest.get("dist", {}),
            "tarball": tarball_url(base_url, version.name, version.version),
        },
        base_url,
        version.name,
        version.version,
    )
    # Only this registry's: a version mirrored before the mirror dropped them may hold its
    # source's, made with keys npm will not find here (EMISSINGSIGNATUREKEY aborts an audit).
    dist.pop("signatures", None)
    if signer is not None:
        dist["signatures"] = signer.signatures(version.name, version.version, dist)
    manifest["dist"] = dist
    return manifest


def is_live(package: PackageRecord, version: str) -> bool:
    """Published and not unpublished since."""
    return version not in package.unpublished and package.tombstone is None


def live_versions(package: PackageRecord, versions: list[VersionRecord]) -> list[VersionRecord]:
    """Versions still published, in semver order."""
    gone = set(package.unpublished) | set((package.tombstone or {}).get("versions", []))
    return [v for v in _ordered(versions) if v.version not in gone]


def full_packument(
    package: PackageRecord, versions: list[VersionRecord], base_url: str, signer: Signer | None
) -> dict[str, Any]:
    time = _times(package, versions)
    if package.tombstone is not None:
        # npm view prints "Unpublished on <time>" for this (lib/commands/view.js).
        time["unpublished"] = package.tombstone
        return {
            "_id": package.name,
            "_rev": rev_string(package),
            "name": package.name,
            "time": time,
        }
    return {
        "_id": package.name,
        "_rev": rev_string(package),
        "name": package.name,
        "dist-tags": package.dist_tags,
        "versions": {
            v.version: with_deprecation(package, version_manifest(v, base_url, signer))
            for v in live_versions(package, versions)
        },
        "time": time,
        "maintainers": [{"name": m.name, "email": m.email} for m in package.maintainers],
        "users": package.users,
        **{k: v for k, v in package.meta.items() if k != "readme"},
        "readme": _readme(package, versions),
        "_attachments": {},
    }


def _times(package: PackageRecord, versions: list[VersionRecord]) -> dict[str, Any]:
    """`time`: created, modified, and when each version was published. It keeps unpublished
    versions: their numbers stay taken (npm's unpublish policy)."""
    time: dict[str, Any] = {"created": package.created, "modified": package.modified}
    time.update({v.version: v.published for v in _ordered(versions)})
    return time


def _readme(package: PackageRecord, versions: list[VersionRecord]) -> str:
    """The readme of the version `latest` points at: kept on its version item, not on the
    package item, which every read and tarball download fetches (DynamoDB bills reads by 4 KB,
    and a readme may be 64 KiB)."""
    latest = package.dist_tags.get("latest")
    record = next((v for v in versions if v.version == latest), None)
    if record is None:
        return str(package.meta.get("readme", ""))
    return record.readme[:MAX_README_CHARS]


def abbreviated_packument(
    package: PackageRecord, versions: list[VersionRecord], base_url: str, signer: Signer | None
) -> dict[str, Any]:
    return {
        "name": package.name,
        "modified": package.modified,
        "dist-tags": package.dist_tags,
        "versions": {
            v.version: abbreviate(with_deprecation(package, version_manifest(v, base_url, signer)))
            for v in live_versions(package, versions)
        },
        # As npmjs serves it since 2025: release-age settings read it from the small document
        # (npm's min-release-age, pnpm's minimumReleaseAge, yarn's npmMinimalAgeGate).
        "time": _times(package, versions),
    }


def with_deprecation(package: PackageRecord, manifest: dict[str, Any]) -> dict[str, Any]:
    message = package.deprecated.get(manifest["version"])
    if message:
        manifest["deprecated"] = message
    return manifest


def abbreviate(manifest: dict[str, Any]) -> dict[str, Any]:
    return {k: manifest[k] for k in CORGI_VERSION_FIELDS if k in manifest}


def _ordered(versions: list[VersionRecord]) -> list[VersionRecord]:
    by_version = {v.version: v for v in versions}
    return [by_version[v] for v in sort_versions(by_version)]
