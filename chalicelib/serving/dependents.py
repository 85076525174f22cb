"""`GET /-/v1/dependents/{pkg}`: the packages that depend on a package, from the dependents
index (`PackageStore.dependents`: names whose published versions list it in `dependencies`,
`optionalDependencies` or `peerDependencies`, aliases resolved).

A private package is answered only to those who may read it (to others: the 404 of a missing
name), and a private dependent is listed only to those who may read it, so the list tells no
one of a package they cannot see. Fully unpublished dependents are left out.
"""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.acl.guard import may_read, not_found
from chalicelib.auth.service import Actor
from chalicelib.errors import InvalidQueryError
from chalicelib.numbers import is_whole_number
from chalicelib.registry import Registry
from chalicelib.storage.records import JSON

DEFAULT_SIZE = 100
MAX_SIZE = 1000


def dependents_of(
    registry: Registry, actor: Actor | None, name: str, query: Mapping[str, str]
) -> JSON:
    size, offset = _paging(query)
    package = registry.packages.get_package(name)
    if package is None or package.tombstone is not None or not may_read(registry, actor, package):
        raise not_found(name)
    names = registry.indexes.dependents(name)
    packages = registry.packages.get_packages(names)
    visible = [
        dependent
        for dependent in names
        if (p := packages.get(dependent)) is not None
        and p.tombstone is None
        and (p.access == "public" or may_read(registry, actor, p))
    ]
    return {
        "package": name,
        "total": len(visible),
        "dependents": visible[offset : offset + size],
    }


def _paging(query: Mapping[str, str]) -> tuple[int, int]:
    size, offset = query.get("size", str(DEFAULT_SIZE)), query.get("from", "0")
    if not is_whole_number(size) or not 1 <= int(size) <= MAX_SIZE:
        raise InvalidQueryError(f"size must be a whole number from 1 to {MAX_SIZE}")
    if not is_whole_number(offset):
        raise InvalidQueryError("from must be a whole number")
    return int(size), int(offset)
