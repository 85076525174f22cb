"""Keeping the CDN (AWS: CloudFront, `registry.edge`) true to the registry after a package
changes.

The CDN serves a public package's tarballs from public copies with no call to the registry, and
keeps its public documents for `edge_max_age` seconds. So after every write to a package:
- the public copies are exactly the live versions' tarballs of a package anyone may read, and
  none of any other package (made private, unpublished, a tombstone);
- the CDN's cached answers for the package's documents, and for every tarball withdrawn, are
  invalidated, so `npm publish` then `npm install` sees the new version at once, and a tarball
  made private or unpublished stops being served.

A private package is never cached at the edge (its answers say `private`), so while it stays
private nothing is invalidated. Every step is safe to repeat: a write that failed half-way is
healed by the client's retry (npm retries on 5xx), which runs this again.
"""

from __future__ import annotations

from chalicelib.acl.guard import may_read
from chalicelib.packuments.names import tarball_basename
from chalicelib.packuments.quarantine import quarantine_for
from chalicelib.packuments.render import is_live
from chalicelib.registry import Registry
from chalicelib.storage.ports.edge import EdgeStore
from chalicelib.storage.records import PackageRecord, VersionRecord

# How many times a sync follows a package that keeps changing under it.
_ROUNDS = 5


def sync_edge(
    registry: Registry, package: PackageRecord, versions: list[VersionRecord] | None = None
) -> None:
    """Make the CDN true to `package`, the record the caller wrote. A write that raced it (made
    it private, unpublished a version) may have synced before this one shares: so the package is
    read again after, and synced again while it has moved on."""
    edge = registry.edge
    if edge is None:
        return
    for _ in range(_ROUNDS):
        _sync(registry, edge, package, versions)
        current = registry.packages.get_package(package.name)
        if current is None or current.rev == package.rev:
            return
        package, versions = current, None


def _sync(
    registry: Registry,
    edge: EdgeStore,
    package: PackageRecord,
    versions: list[VersionRecord] | None,
) -> None:
    name = package.name
    public = package.tombstone is None and may_read(registry, None, package)
    if versions is None:
        versions = registry.packages.list_versions(name) if public else []
    # A version the release-age quarantine holds back gets no public copy: the CDN then asks
    # the registry, which refuses it until it is old enough, and serves it after.
    quarantine = quarantine_for(registry.settings, package)
    wanted = {
        tarball_basename(name, v.version): v.tarball_key
        for v in versions
        if public
        and is_live(package, v.version)
        and not (quarantine is not None and quarantine.hides(v.published))
    }
    shared = edge.shared_files(name)
    for file in sorted(wanted.keys() - shared):
        edge.share(name, file, wanted[file])
    withdrawn = sorted(shared - wanted.keys())
    for file in withdrawn:
        edge.withdraw(name, file)
    if public or withdrawn:
        edge.invalidate([*document_paths(name), *(tarball_path(name, f) for f in withdrawn)])


def document_paths(name: str) -> list[str]:
    """The paths clients read a package's documents at: npm and yarn escape a scoped name's
    slash as `%2f`, pnpm as `%2F`, and the slash itself works too (npm-protocol.md §1.1)."""
    if not name.startswith("@"):
        return [f"/{name}"]
    scope, _, bare = name.partition("/")
    return [f"/{scope}%2f{bare}", f"/{scope}%2F{bare}", f"/{name}"]


def tarball_path(name: str, file: str) -> str:
    """`dist.tarball`'s path (render.tarball_url): the scoped name keeps its slash."""
    return f"/{name}/-/{file}"
