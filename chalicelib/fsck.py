"""`tarbox fsck [--repair]`: find what the blob store holds that no record points to any more,
and with `--repair` remove it. Both backends; it reads every package, so it is an operator's
command (run it from cron, or after a crash), never a request's work.

What it finds (a `Leftover`'s kind):
- "tarball": a blob under `tarballs/` that no live version names: a publish that stored its
  tarball and then crashed, or an unpublish that stopped before deleting it;
- "provenance bundle": a blob under `attestations/` that no live version names (its version
  was unpublished, or its publish lost);
- "render": a rendered document from before its package's last change (kept by a crash, or
  rendered for a host that no longer asks) or before the current signing key (a rotation signs
  every document afresh), once that change is older than the grace, or of no package at all;
- "public copy" (AWS with the CDN): a public copy of a tarball that is not a live version of a
  public package (without the front door's settings, `public/` is left alone);
- "temporary file" (embedded): what a write that crashed left before its rename;
- "empty folder" (embedded).

Anything younger than GRACE is left alone: a publish stores its tarball before the record that
names it, and a read may be about to send the previous render. Just before a blob is removed it
is listed again, and kept if it was written since (a publish retried with the same bytes stores
the same key) or, for a tarball, if a version now names it. On S3 a removed blob stays a
noncurrent version for 30 days (the bucket's lifecycle rule).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from chalicelib.acl.guard import may_read
from chalicelib.changes.log import package_names
from chalicelib.clock import parse_iso
from chalicelib.packuments.dist import BUNDLES, TARBALLS, provenance_key
from chalicelib.packuments.names import tarball_basename
from chalicelib.packuments.render import is_live
from chalicelib.registry import Registry
from chalicelib.signatures.keys import existing_key, signs_from
from chalicelib.storage.aws.edge import PUBLIC_PREFIX, public_key
from chalicelib.storage.embedded.blobs import TEMPORARY_PREFIX
from chalicelib.storage.ports.blobs import BlobStore
from chalicelib.storage.ports.changes import ChangeLog
from chalicelib.storage.ports.packages import PackageStore
from chalicelib.storage.ports.signing_keys import SigningKeyStore
from chalicelib.storage.records import PackageRecord, StoredBlob
from chalicelib.writes.edge import tarball_path
from chalicelib.writes.rendered import RENDERS

GRACE = 600.0  # seconds
# S3 keeps modification times to the second; a render written in the second its package
# changed must not look older than the change.
_CLOCK_SLACK = 1.0

_BATCH = 100

TARBALL, RENDER, PUBLIC_COPY = "tarball", "render", "public copy"
BUNDLE = "provenance bundle"
TEMPORARY, EMPTY_FOLDER = "temporary file", "empty folder"


@dataclass(frozen=True)
class Leftover:
    kind: str
    key: str


def find_leftovers(registry: Registry, grace: float = GRACE) -> list[Leftover]:
    """What no record points to, among blobs older than `grace` seconds."""
    moment = time.time()
    packages = _packages(registry.packages, registry.changes)
    live = {p.name: _live_versions(registry.packages, p) for p in packages.values()}
    tarballs = {key for versions in live.values() for keys in versions.values() for key in keys}
    public = _public_files(registry, packages, live)
    signed = _signed_since(registry.signing_keys)
    found = [
        Leftover(kind, blob.key)
        for blob in registry.blobs.list_blobs("")
        if moment - blob.modified >= grace
        if (kind := _kind(blob, packages, tarballs, public, signed, moment - grace)) is not None
    ]
    found += [Leftover(EMPTY_FOLDER, folder) for folder in registry.blobs.empty_folders()]
    return found


def repair(registry: Registry, leftovers: list[Leftover], grace: float = GRACE) -> list[Leftover]:
    """Remove the leftovers; returns those removed. Each blob is looked at again first: one
    written since it was found (a publish retried with the same bytes stores the same key) is
    kept, and so is a tarball a version has come to name."""
    removed = []
    for leftover in leftovers:
        if leftover.kind != EMPTY_FOLDER and _touched(registry.blobs, leftover.key, grace):
            continue
        if leftover.kind in (TARBALL, BUNDLE) and _named(registry.packages, leftover.key):
            continue
        if leftover.kind == EMPTY_FOLDER:
            registry.blobs.delete_folder(leftover.key)
        elif leftover.kind == PUBLIC_COPY and registry.edge is not None:
            name, file = _public_name_and_file(leftover.key)
            registry.edge.withdraw(name, file)
            registry.edge.invalidate([tarball_path(name, file)])
        else:
            registry.blobs.delete(leftover.key)
        removed.append(leftover)
    return removed


def report(leftovers: list[Leftover], removed: list[Leftover] | None) -> str:
    lines = [f"{leftover.kind}: {leftover.key}" for leftover in leftovers]
    if not leftovers:
        lines.append("no leftovers")
    elif removed is None:
        lines.append(f"{len(leftovers)} leftovers; `tarbox fsck --repair` removes them")
    else:
        lines.append(f"removed {len(removed)} of {len(leftovers)} leftovers")
    return "\n".join(lines)


def _kind(
    blob: StoredBlob,
    packages: dict[str, PackageRecord],
    live: set[str],
    public: set[str] | None,
    signed: float,
    settled: float,
) -> str | None:
    """What the blob is left over from, or None. `signed`: when the current signing key began to
    sign; `settled`: changes before it are old enough that no read in flight still sends what
    they replaced."""
    key = blob.key
    if key.rsplit("/", 1)[-1].startswith(TEMPORARY_PREFIX):
        return TEMPORARY
    for prefix, kind in ((TARBALLS, TARBALL), (BUNDLES, BUNDLE)):
        if key.startswith(prefix):
            return kind if key not in live else None
    if key.startswith(RENDERS):
        name = key[len(RENDERS) :].rsplit("/", 2)[0]
        package = packages.get(name)
        changed = max(_epoch(package.modified), signed) if package is not None else float("-inf")
        if package is not None and (blob.modified >= changed - _CLOCK_SLACK or changed > settled):
            return None  # current, or replaced so lately that a read may still be sending it
        return RENDER
    if key.startswith(PUBLIC_PREFIX):
        # Without the front door's settings there is no knowing what it serves: left alone.
        return PUBLIC_COPY if public is not None and key not in public else None
    return None  # the state files of `tarbox mirror` and `tarbox import`


def _signed_since(signing_keys: SigningKeyStore | None) -> float:
    """When the current signing key began to sign: every render before it is replaced."""
    key = existing_key(signing_keys) if signing_keys is not None else None
    return float("-inf") if key is None else _epoch(signs_from(key))


def _packages(packages: PackageStore, changes: ChangeLog) -> dict[str, PackageRecord]:
    names = package_names(changes)
    found: dict[str, PackageRecord] = {}
    for start in range(0, len(names), _BATCH):
        found.update(packages.get_packages(names[start : start + _BATCH]))
    return found


def _live_versions(packages: PackageStore, package: PackageRecord) -> dict[str, list[str]]:
    """version -> the keys of what is stored for it (its tarball, its provenance bundle), of
    each live version."""
    if package.tombstone is not None:
        return {}
    return {
        v.version: [v.tarball_key, *filter(None, [provenance_key(v)])]
        for v in packages.list_versions(package.name)
        if is_live(package, v.version)
    }


def _public_files(
    registry: Registry, packages: dict[str, PackageRecord], live: dict[str, dict[str, list[str]]]
) -> set[str] | None:
    """The keys public copies may have: the live versions of packages anyone may read. None
    without the front door's settings (TARBOX_EDGE_PARAMETER)."""
    if registry.edge is None:
        return None
    return {
        public_key(name, tarball_basename(name, version))
        for name, versions in live.items()
        if may_read(registry, None, packages[name])
        for version in versions
    }


def _public_name_and_file(key: str) -> tuple[str, str]:
    name, _, file = key[len(PUBLIC_PREFIX) :].rpartition("/-/")
    return name, file


def _touched(blobs: BlobStore, key: str, grace: float) -> bool:
    """Whether the blob was written within `grace` seconds (or is gone): listed again."""
    moment = time.time()
    again = [blob for blob in blobs.list_blobs(key) if blob.key == key]
    return not again or moment - again[0].modified < grace


def _named(packages: PackageStore, key: str) -> bool:
    """Whether a live version names the tarball or bundle now (a publish of the same bytes
    since)."""
    prefix = TARBALLS if key.startswith(TARBALLS) else BUNDLES
    name = key[len(prefix) :].rsplit("/", 1)[0]
    package = packages.get_package(name)
    if package is None:
        return False
    return any(key in keys for keys in _live_versions(packages, package).values())


def _epoch(iso: str) -> float:
    return parse_iso(iso).timestamp()
