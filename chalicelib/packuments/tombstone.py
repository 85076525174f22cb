"""A fully unpublished package: npm's `time.unpublished`, which the package item keeps as its
tombstone (who owned it, which versions went, when), so the name can be blocked for a while and
its version numbers are never used again."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.clock import now_iso
from chalicelib.packuments.render import live_versions
from chalicelib.packuments.versions import sort_versions
from chalicelib.storage.records import PackageRecord, VersionRecord


def tombstoned(package: PackageRecord, versions: list[VersionRecord]) -> PackageRecord:
    """The package item once every live one of `versions` is unpublished, one rev on."""
    live = [v.version for v in live_versions(package, versions)]
    now = now_iso()
    tombstone = {
        "time": now,
        "versions": sort_versions(live),
        "maintainers": [{"name": m.name, "email": m.email} for m in package.maintainers],
    }
    return replace(
        package,
        rev=package.rev + 1,
        modified=now,
        dist_tags={},
        deprecated={},
        unpublished={**package.unpublished, **dict.fromkeys(live, now)},
        tombstone=tombstone,
    )
