"""One package of another registry, copied into this one as it is there.

Versions the source has and this registry lacks are fetched, checked against the manifest's own
`dist.integrity` (or `dist.shasum`) and stored; then the package item is made to say what the
source's says (dist-tags, maintainers, deprecations, stars, times). Nothing that is here already
is overwritten: a version whose bytes differ from the source's stops the copy of that package
(ReplicationConflictError), with nothing written. Running it again changes nothing.

Writes go through the PackageStore like any other, so each lands in the change log (and a
mirror can itself be followed), with publish and change events for hooks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.clock import now_iso
from chalicelib.errors import ConflictError, InvalidPayloadError
from chalicelib.packuments.dist import tarball_key, verify_tarball
from chalicelib.packuments.meta import MAX_README_CHARS, hoisted_meta
from chalicelib.packuments.names import require_valid_name, scope_of
from chalicelib.packuments.tombstone import tombstoned
from chalicelib.packuments.versions import clean
from chalicelib.registry import Registry
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.records import JSON, Maintainer, PackageRecord, VersionRecord
from chalicelib.writes.after import after_write
from chalicelib.writes.pipeline import commit_change
from chalicelib.writes.replay import write_copy

Fetch = Callable[[str], bytes]
# Fields of a served manifest that the registry keeps elsewhere or builds at render time.
_NOT_STORED = ("deprecated", "readme")


class ReplicationConflictError(ConflictError):
    """This registry has a version of the package whose bytes differ from the source's."""


@dataclass(frozen=True)
class Copied:
    name: str
    versions: int = 0  # versions copied now
    bytes: int = 0  # tarball bytes fetched
    changed: bool = False  # the package item was written
    deleted: bool = False


def copy_package(registry: Registry, packument: JSON, fetch: Fetch, *, private: bool) -> Copied:
    name = str(packument.get("_id") or packument.get("name") or "")
    require_valid_name(name, new=False)
    stored = registry.packages.get_package(name)
    have = {v.version: v for v in registry.packages.list_versions(name)}
    wanted = _source_versions(name, packument)
    _check_conflicts(name, wanted, have)
    _check_ownership(stored, have, wanted, private=private)
    _check_scope(registry.accounts, name, private=private)
    fresh = [v for number, v in wanted.items() if number not in have]
    tarballs = {v["version"]: _fetched(name, v, fetch) for v in fresh}
    records = [_version_record(name, packument, v, tarballs[v["version"]]) for v in fresh]
    # All fetched and checked before anything is written.
    files = [(r.tarball_key, tarballs[r.version], "application/gzip") for r in records]
    target = _package_record(name, packument, [*have.values(), *records], private=private)
    written, changed = write_copy(
        registry.packages,
        registry.blobs,
        stored,
        target,
        list(have.values()),
        records,
        files=files,
        announce=True,
    )
    for maintainer in target.maintainers:
        registry.indexes.index_maintainer(maintainer.name, name, present=True)
    if written is not None:
        # Also when unchanged: a copy run again heals what a failed one missed (the CDN).
        after_write(registry, written, changed=changed, added=records)
    size = sum(len(data) for data in tarballs.values())
    return Copied(name, versions=len(records), bytes=size, changed=changed)


def copy_deletion(registry: Registry, name: str) -> Copied:
    """The source fully unpublished the package: leave a tombstone here too."""
    stored = registry.packages.get_package(name)
    if stored is None or stored.tombstone is not None:
        return Copied(name)
    versions = registry.packages.list_versions(name)
    gone = tombstoned(stored, versions)
    commit_change(registry.packages, stored, gone, versions, None)
    after_write(registry, gone, versions)
    return Copied(name, changed=True, deleted=True)


def _source_versions(name: str, packument: JSON) -> dict[str, JSON]:
    versions = packument.get("versions")
    if not isinstance(versions, dict):
        raise InvalidPayloadError(f"the source's document for {name} has no versions")
    found: dict[str, JSON] = {}
    for number, manifest in versions.items():
        if not isinstance(manifest, dict) or clean(str(number)) != number:
            raise InvalidPayloadError(f"the source's {name} has a malformed version {number!r}")
        found[number] = {**manifest, "version": number}
    return found


def _check_conflicts(name: str, wanted: dict[str, JSON], have: dict[str, VersionRecord]) -> None:
    for number, manifest in wanted.items():
        mine = have.get(number)
        if mine is not None and _integrity(mine.manifest) != _integrity(manifest):
            raise ReplicationConflictError(
                f"{name}@{number} here is not the source's {name}@{number} (different bytes): "
                "left as it is"
            )


def _check_ownership(
    stored: PackageRecord | None,
    have: dict[str, VersionRecord],
    wanted: dict[str, JSON],
    *,
    private: bool,
) -> None:
    """A mirror adds to this registry; it never takes a package, a scope or access from it.
    A package here with versions the source never had is this registry's own; a private one is
    never made public; and a private package is copied only into a scope someone here already
    holds (a user, or an org the operator made): else whoever first published into that scope
    here would own the copy."""
    if stored is not None:
        name = stored.name
        own = {v for v in have if v not in stored.unpublished} - set(wanted)
        if own and stored.tombstone is None:
            raise ReplicationConflictError(
                f"{name} here has versions the source does not ({', '.join(sorted(own))}): "
                "it is this registry's own package, left as it is"
            )
        if stored.access == "restricted" and not private:
            raise ReplicationConflictError(
                f"{name} is private here: a mirror never makes it public"
            )


def _check_scope(accounts: AccountStore, name: str, *, private: bool) -> None:
    scope = scope_of(name)
    if private and scope is not None and accounts.get_scope(scope) is None:
        raise ReplicationConflictError(
            f"{name} is private: its scope @{scope} must be held here first "
            f"(tarbox org create {scope} --owner USER), so that the copy has owners"
        )


def _integrity(manifest: JSON) -> str:
    dist = manifest.get("dist") or {}
    return str(dist.get("integrity") or dist.get("shasum") or "")


def _fetched(name: str, manifest: JSON, fetch: Fetch) -> bytes:
    dist = manifest.get("dist") or {}
    url = dist.get("tarball")
    if not isinstance(url, str):
        raise InvalidPayloadError(f"{name}@{manifest['version']} has no dist.tarball")
    data = fetch(url)
    verify_tarball(f"{name}@{manifest['version']}", dist, data)
    return data


# The tarball's URL is made at render time; the source's signatures are by its keys (this
# registry signs with its own when it renders), and its attestations point at bundles that are
# not copied: served, they would send npm to a 404 here.
_DIST_NOT_STORED = ("tarball", "signatures", "attestations")


def _version_record(name: str, packument: JSON, manifest: JSON, data: bytes) -> VersionRecord:
    number = str(manifest["version"])
    shasum = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    dist = {k: v for k, v in (manifest.get("dist") or {}).items() if k not in _DIST_NOT_STORED}
    kept = {k: v for k, v in manifest.items() if k not in _NOT_STORED}
    times = packument.get("time") or {}
    user = manifest.get("_npmUser") or {}
    latest = (packument.get("dist-tags") or {}).get("latest")
    readme = str(packument.get("readme") or "") if number == latest else ""
    return VersionRecord(
        name=name,
        version=number,
        manifest={**kept, "_id": f"{name}@{number}", "dist": dist},
        tarball_key=tarball_key(name, shasum),
        published=str(times.get(number) or now_iso()),
        publisher=str(user.get("name") or "") if isinstance(user, dict) else "",
        readme=readme[:MAX_README_CHARS],
    )


def _package_record(
    name: str, packument: JSON, versions: list[VersionRecord], *, private: bool
) -> PackageRecord:
    numbers = {v.version for v in versions}
    source = packument.get("versions") or {}
    tags = {
        tag: target
        for tag, target in (packument.get("dist-tags") or {}).items()
        if isinstance(target, str) and target in numbers
    }
    times = packument.get("time") or {}
    latest = next((v for v in versions if v.version == tags.get("latest")), None)
    # Without the source's times, the versions' own: a copy made twice must come out the same.
    first = min((v.published for v in versions), default=now_iso())
    last = max((v.published for v in versions), default=first)
    return PackageRecord(
        name=name,
        rev=0,  # set by _write
        dist_tags=tags,
        # A private copy keeps no maintainers by name: a user here who happens to have a
        # source maintainer's name is not them. Its readers are its scope's owners and teams.
        maintainers=() if private else _maintainers(packument.get("maintainers")),
        access="restricted" if private else "public",
        created=str(times.get("created") or first),
        modified=str(times.get("modified") or last),
        meta=hoisted_meta(latest) if latest is not None else {},
        users={u: True for u, on in (packument.get("users") or {}).items() if on is True},
        deprecated={
            number: str(manifest["deprecated"])
            for number, manifest in source.items()
            if isinstance(manifest, dict) and manifest.get("deprecated")
        },
        unpublished={
            number: str(when)
            for number, when in times.items()
            if number not in ("created", "modified") and number not in source
        },
    )


def _maintainers(value: Any) -> tuple[Maintainer, ...]:
    found = value if isinstance(value, list) else []
    return tuple(
        Maintainer(str(m.get("name")), str(m.get("email") or ""))
        for m in found
        if isinstance(m, dict) and m.get("name")
    )
