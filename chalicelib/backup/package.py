"""One exported package written into this registry as it was: its versions (each tarball checked
against its manifest's `dist` first), then the package item (dist-tags, maintainers, access,
stars, deprecations, unpublishes, tombstone, `mfa`), then the indexes a publish would write.

Writes go through the PackageStore like any other, one change each, but carry no events: no hook
hears of a restored past (as with the change log's backfill). A package here that the export
does not explain (other versions, other bytes) is left as it is: ImportConflictError.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import replace

from chalicelib.backup.layout import ExportFormatError, ExportReader
from chalicelib.errors import ConflictError, RegistryError
from chalicelib.packuments.dist import (
    is_tarball_key_of,
    provenance_key,
    tarball_key,
    verify_tarball,
)
from chalicelib.packuments.names import require_valid_name
from chalicelib.packuments.versions import clean
from chalicelib.provenance.bundle import checked_bundle
from chalicelib.registry import Registry
from chalicelib.storage.records import PackageRecord, VersionRecord
from chalicelib.writes.after import after_write
from chalicelib.writes.replay import Blob, write_copy


class ImportConflictError(ConflictError):
    """This registry holds something the export would overwrite: it is left as it is."""


def restore_package(
    registry: Registry,
    reader: ExportReader,
    target: PackageRecord,
    versions: list[VersionRecord],
    missing: Collection[str],
) -> int:
    """Returns how many versions were written now (0 when an earlier run wrote them all)."""
    name = target.name
    require_valid_name(name, new=False)
    exported = _by_number(name, versions)
    stored = registry.packages.get_package(name)
    have = {v.version: v for v in registry.packages.list_versions(name)}
    _check_here(name, exported, have)
    _check_item(stored, target)
    fresh = [v for number, v in exported.items() if number not in have]
    tarballs = {v.version: _tarball(reader, target, v, missing) for v in fresh}
    bundles = {v.version: _provenance(reader, v, tarballs[v.version]) for v in fresh}
    # Every tarball checked before anything is written; each bundle stored before the version
    # that names it, as a publish does.
    files: list[Blob] = []
    for version in fresh:
        data = tarballs[version.version]
        if data is not None:
            files.append((version.tarball_key, data, "application/gzip"))
        bundle = bundles[version.version]
        if bundle is not None:
            files.append((bundle[0], bundle[1], "application/json"))
    current, _ = write_copy(
        registry.packages,
        registry.blobs,
        stored,
        target,
        list(have.values()),
        fresh,
        files=files,
        announce=False,
        keep_rev=True,
    )
    if current is None:
        raise ExportFormatError(f"{target.name} has no versions to write")
    for maintainer in current.maintainers:
        registry.indexes.index_maintainer(maintainer.name, name, present=True)
    for user, starred in current.users.items():
        if starred:
            registry.accounts.set_star(user, name, starred=True)
    # Every live version's dependents, not only those written now: a stopped run may have
    # written some unindexed.
    live = [v for v in exported.values() if _live(target, v)]
    after_write(registry, current, added=live)
    return len(fresh)


def _by_number(name: str, versions: list[VersionRecord]) -> dict[str, VersionRecord]:
    if not versions:
        raise ExportFormatError(f"{name} has no versions in the export")
    for version in versions:
        number = version.version
        manifest = (version.manifest.get("name"), version.manifest.get("version"))
        if version.name != name or manifest != (name, number) or clean(number) != number:
            raise ExportFormatError(f"{name}'s versions in the export include {number!r}")
        if not is_tarball_key_of(name, version.tarball_key):
            raise ExportFormatError(f"{name}@{number} names a tarball key not of {name}")
    return {v.version: v for v in versions}


def _check_here(
    name: str, exported: dict[str, VersionRecord], have: dict[str, VersionRecord]
) -> None:
    own = sorted(set(have) - set(exported))
    if own:
        raise ImportConflictError(
            f"{name} here has versions the export does not ({', '.join(own)}): left as it is"
        )
    for number, version in have.items():
        if version != exported[number]:
            raise ImportConflictError(f"{name}@{number} here is not the export's: left as it is")


def _check_item(stored: PackageRecord | None, target: PackageRecord) -> None:
    """A package item here must be the export's, or one an earlier run wrote on the way to it
    (the export's, before its dist-tags and tombstone): else someone changed it since."""
    if stored is None or replace(stored, rev=target.rev) == target:
        return
    between = replace(target, rev=0, dist_tags={}, tombstone=None)
    if replace(stored, rev=0, dist_tags={}) != between:
        raise ImportConflictError(
            f"{target.name} here is not the export's (it changed since): left as it is"
        )


def _live(package: PackageRecord, version: VersionRecord) -> bool:
    return package.tombstone is None and version.version not in package.unpublished


def _tarball(
    reader: ExportReader, target: PackageRecord, version: VersionRecord, missing: Collection[str]
) -> bytes | None:
    """The version's bytes from the export, checked; None for a version that was unpublished
    (its bytes went with it) or whose tarball the source had lost (listed in the manifest)."""
    what = f"{version.name}@{version.version}"
    data = reader.blob(version.tarball_key)
    if data is None:
        if _live(target, version) and what not in missing:
            raise ExportFormatError(f"{what}: its tarball is not in the export")
        return None
    verify_tarball(what, version.manifest.get("dist") or {}, data)
    # Keys are made from the bytes (publish's rule): a key that is not would let one version's
    # bytes land on another's tarball.
    shasum = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    if version.tarball_key != tarball_key(version.name, shasum):
        raise ExportFormatError(f"{what}: its tarball key is not made from its bytes")
    return data


def _provenance(
    reader: ExportReader, version: VersionRecord, tarball: bytes | None
) -> tuple[str, bytes] | None:
    """The version's provenance bundle from the export (key, bytes), checked against its tarball
    as a publish checks it; None for a version without one, or without its tarball."""
    key = provenance_key(version)
    if key is None or tarball is None:
        return None
    what = f"{version.name}@{version.version}"
    data = reader.blob(key)
    if data is None:
        raise ExportFormatError(f"{what}: its provenance bundle is not in the export")
    try:
        checked_bundle(data.decode(), version.name, version.version, tarball)
    except (RegistryError, UnicodeDecodeError) as exc:
        raise ExportFormatError(f"{what}: its provenance bundle is not about its tarball") from exc
    return key, data
