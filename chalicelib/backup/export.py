"""`tarbox export DIR`: the whole registry, from any backend, into a directory (`layout`).

Every store is read through its port, so an export from SQLite and one from DynamoDB are the same
files. What is left out is what a registry rebuilds or should not carry over: the change log
(the importing registry writes its own, with a new epoch), the search, dependents, maintainer and
star indexes (rebuilt from the packages), rendered packuments, hook deliveries, short-lived items
(web-login sessions, rate limits, one-time codes) and configured secrets.

A registry may take writes while it is exported: each package is read until its package item
and versions agree (the same rev before and after), so each package is whole; a write after its
package was read is not in the export.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chalicelib.backup.layout import ExportWriter, encode
from chalicelib.changes.log import package_names
from chalicelib.clock import now_iso
from chalicelib.errors import ConcurrentModificationError
from chalicelib.packuments.dist import provenance_key
from chalicelib.registry import Registry
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.ports.blobs import BlobStore
from chalicelib.storage.ports.orgs import OrgStore
from chalicelib.storage.ports.packages import PackageStore
from chalicelib.storage.records import JSON, OrgRecord, PackageRecord, VersionRecord

Progress = Callable[[str], None]
_CONSISTENT_READ_ATTEMPTS = 5


@dataclass
class ExportSummary:
    counts: dict[str, int]
    tarballs: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)  # live versions whose tarball was gone

    def line(self) -> str:
        c = self.counts
        return (
            f"{c['packages']} packages ({self.tarballs} tarballs, {self.bytes} B), "
            f"{c['users']} users, {c['orgs']} orgs, {c['plans']} plans, "
            f"{c['subscriptions']} subscriptions, {c['hooks']} hooks, "
            f"{c['downloads']} download counts"
        )


def export_registry(registry: Registry, root: Path, progress: Progress) -> ExportSummary:
    writer = ExportWriter(root)
    head = registry.changes.log_head()
    summary = ExportSummary(writer.counts)
    _export_accounts(registry.accounts, registry.orgs, writer)
    progress(f"{writer.counts['users']} users, {writer.counts['orgs']} orgs")
    for plan in registry.billing.all_plans():
        writer.add("plans", encode(plan))
    for subscription in registry.billing.all_subscriptions():
        writer.add("subscriptions", encode(subscription))
    for package, version, day, count in registry.downloads.all_counts():
        line = {"package": package, "version": version, "day": day, "count": count}
        writer.add("downloads", line)
    names = package_names(registry.changes)
    for done, name in enumerate(names, 1):
        _export_package(registry.packages, registry.blobs, writer, name, summary)
        if done % 100 == 0 or done == len(names):
            progress(f"{done}/{len(names)} packages")
    for hook in registry.hooks.all_hooks():
        writer.add("hooks", encode(hook))
    writer.finish(
        {
            "id": uuid.uuid4().hex,
            "exported": now_iso(),
            "source": {
                "backend": registry.settings.backend,
                "epoch": head.epoch,
                "seq": head.seq,
            },
            "missing_tarballs": summary.missing,
        }
    )
    return summary


def _export_accounts(accounts: AccountStore, orgs: OrgStore, writer: ExportWriter) -> None:
    for user in accounts.all_users():
        tokens = [encode(token) for token in accounts.list_tokens(user.name)]
        writer.add("users", {"user": encode(user), "tokens": tokens})
    for org in orgs.all_orgs():
        writer.add("orgs", _org_line(orgs, org))


def _org_line(orgs: OrgStore, org: OrgRecord) -> JSON:
    teams = {
        team: {
            "description": description,
            "members": sorted(orgs.team_members(org.name, team)),
            "packages": orgs.team_packages(org.name, team),
        }
        for team, description in orgs.teams(org.name).items()
    }
    return {"org": encode(org), "members": orgs.members(org.name), "teams": teams}


def _export_package(
    packages: PackageStore,
    blobs: BlobStore,
    writer: ExportWriter,
    name: str,
    summary: ExportSummary,
) -> None:
    package, versions = _consistent(packages, name)
    writer.add("packages", {"package": encode(package), "versions": [encode(v) for v in versions]})
    for version in versions:
        data = blobs.get(version.tarball_key)
        if data is not None:
            writer.put_blob(version.tarball_key, data)
            summary.tarballs += 1
            summary.bytes += len(data)
            _export_provenance(blobs, writer, version)
        elif version.version not in package.unpublished and package.tombstone is None:
            summary.missing.append(f"{name}@{version.version}")


def _export_provenance(blobs: BlobStore, writer: ExportWriter, version: VersionRecord) -> None:
    key = provenance_key(version)
    if key is None:
        return
    bundle = blobs.get(key)
    if bundle is not None:
        writer.put_blob(key, bundle)


def _consistent(packages: PackageStore, name: str) -> tuple[PackageRecord, list[VersionRecord]]:
    """The package item and its versions as of one rev: read again when a write came between."""
    for _ in range(_CONSISTENT_READ_ATTEMPTS):
        before = packages.get_package(name)
        versions = packages.list_versions(name)
        after = packages.get_package(name)
        if before is not None and after is not None and before.rev == after.rev:
            return after, versions
    raise ConcurrentModificationError(f"{name} kept changing while it was exported: try again")
