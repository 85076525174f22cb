"""`npm deprecate pkg@range msg` / `npm undeprecate`: only the `deprecated` fields change.

npm sends the whole document back (GET ?write=true, then PUT /{pkg}) with `deprecated` set on the
versions in range ("" removes it). Whatever else the client sends is ignored: published metadata
is immutable.
"""

from __future__ import annotations

from chalicelib.auth.service import Actor
from chalicelib.errors import InvalidPayloadError
from chalicelib.packuments.invariants import view_of
from chalicelib.packuments.updates import next_rev
from chalicelib.publish.classify import Deprecate
from chalicelib.registry import Registry
from chalicelib.storage.records import PackageRecord, VersionRecord
from chalicelib.writes.pipeline import change_package


def deprecate(
    registry: Registry, actor: Actor, name: str, change: Deprecate, base_url: str
) -> PackageRecord:
    def compute(package: PackageRecord, versions: list[VersionRecord]) -> PackageRecord:
        live = set(view_of(package, versions).versions)
        if set(change.versions) != live:
            raise InvalidPayloadError(
                "A deprecate must send back every version and add or remove none"
            )
        if change.deprecated == package.deprecated:
            return package  # nothing to do; still rendered and answered as success
        return next_rev(package, deprecated=dict(change.deprecated))

    return change_package(
        registry, actor, name, compute, base_url=base_url, expected_rev=change.rev
    )
