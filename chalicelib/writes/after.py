"""The work every write of a package leaves, in one place: publish, every change, and the copies
a mirror or an import writes all end here.

Each step is safe to repeat, and the CDN's is run even when nothing changed: a client retrying a
write that failed after it was stored (npm retries on 5xx) finds it done, and this is what may
still be missing.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.packuments.relations import dependency_names
from chalicelib.registry import Registry
from chalicelib.search.indexing import index_package
from chalicelib.storage.records import PackageRecord, VersionRecord
from chalicelib.writes.edge import sync_edge
from chalicelib.writes.rendered import render_documents


def after_write(
    registry: Registry,
    package: PackageRecord,
    versions: list[VersionRecord] | None = None,
    *,
    changed: bool = True,
    added: Sequence[VersionRecord] = (),
    base_url: str | None = None,
) -> None:
    """`package` as written, with every version when the writer has them already (else read
    once, where needed). `changed`: the item was written now (not an identical retry, or a copy
    already up to date). `added`: versions to put in the dependents index (the versions added;
    an import gives every live one, a stopped run may have missed some). `base_url`: the public
    URL a request came in on, to render both documents now; a command (mirror, import) knows
    none, and the first read renders them."""
    for version in added:
        deps = dependency_names(version.manifest)
        registry.indexes.index_dependencies(package.name, version.version, deps, present=True)
    if changed:
        if versions is None and (base_url is not None or registry.edge is not None):
            versions = registry.packages.list_versions(package.name)
        if base_url is not None:
            render_documents(registry, package, base_url, versions)
        index_package(registry, package, versions)
    sync_edge(registry, package, versions)
