"""Keeping the search index in step with the packages. A derived index: every write to a
package re-indexes it after the write (like the rendered documents), and `reindex` rebuilds the
whole index from the change log (after an upgrade, or into a fresh index). Entries carry the
package's revision, and the store never replaces one with an older one, so two writes whose
indexing finishes out of order leave the newer. Popularity comes
from the last 30 days of downloads when a package is indexed: `tarbox reindex`, run daily,
keeps it current for packages that are not published to."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.changes.log import package_names
from chalicelib.downloads.api import last_month
from chalicelib.registry import Registry
from chalicelib.search.document import entry_for
from chalicelib.storage.ports.downloads import DownloadStore
from chalicelib.storage.ports.packages import PackageStore
from chalicelib.storage.records import PackageRecord, SearchEntry, VersionRecord

_BATCH = 100


def index_package(
    registry: Registry, package: PackageRecord, versions: list[VersionRecord] | None = None
) -> None:
    if package.tombstone is not None:
        registry.search.remove_entry(package.name, package.rev)
        return
    registry.search.put_entries([_entry(registry.packages, registry.downloads, package, versions)])


def _entry(
    packages: PackageStore,
    downloads: DownloadStore,
    package: PackageRecord,
    versions: list[VersionRecord] | None,
) -> SearchEntry:
    latest = package.dist_tags.get("latest")
    if versions is not None:
        found = next((v for v in versions if v.version == latest), None)
    else:
        found = packages.get_version(package.name, latest) if latest else None
    return entry_for(package, found, last_month(downloads, package.name))


def reindex(registry: Registry, progress: Callable[[int], None] | None = None) -> int:
    """Index every package the change log names; returns how many were indexed."""
    ordered = package_names(registry.changes)
    done = 0
    for start in range(0, len(ordered), _BATCH):
        done += index_names(registry, ordered[start : start + _BATCH])
        if progress is not None:
            progress(done)
    return done


def index_names(registry: Registry, names: list[str]) -> int:
    """Index these packages again as they are now (up to 100: one batch read); returns how
    many are live."""
    packages = registry.packages.get_packages(names)
    live = [p for p in packages.values() if p.tombstone is None]
    for gone in (p for p in packages.values() if p.tombstone is not None):
        registry.search.remove_entry(gone.name, gone.rev)
    registry.search.put_entries(
        [_entry(registry.packages, registry.downloads, p, None) for p in live]
    )
    return len(live)
