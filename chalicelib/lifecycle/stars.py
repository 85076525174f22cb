"""`npm star|unstar` (a `{_id, _rev, users}` PUT) and `npm stars` (`/-/_view/starredByUser`)."""

from __future__ import annotations

from chalicelib.acl.guard import may_read
from chalicelib.auth.service import Actor
from chalicelib.packuments.updates import next_rev
from chalicelib.publish.classify import Star
from chalicelib.registry import Registry
from chalicelib.storage.records import PackageRecord, VersionRecord
from chalicelib.writes.pipeline import change_package


def star(registry: Registry, actor: Actor, name: str, change: Star, base_url: str) -> PackageRecord:
    """npm sends the whole `users` map with the caller added or removed; only the caller's own
    entry may differ from what is stored (the rules refuse anything else)."""

    def compute(package: PackageRecord, versions: list[VersionRecord]) -> PackageRecord:
        if package.users == change.users:
            return package
        return next_rev(package, users=dict(change.users))

    # Starring needs no second factor (npm's auth-and-writes exemptions).
    updated = change_package(
        registry,
        actor,
        name,
        compute,
        base_url=base_url,
        expected_rev=change.rev,
        otp_exempt=True,
        star=True,
    )
    # The index follows the package item, which is the truth: read it back after the write, so
    # a star and an unstar racing each other still leave the index as the item says.
    final = registry.packages.get_package(name) or updated
    registry.accounts.set_star(actor.name, name, starred=actor.name in final.users)
    return updated


def starred_by(registry: Registry, actor: Actor | None, user: str) -> dict[str, object]:
    """CouchDB view shape npm reads: `{"rows": [{"value": name}, …]}`. The index only proposes
    names; each package item confirms (an unpublished package, or a lost race, drops out), and
    private packages show only to callers who may read them."""
    names = [n for n in registry.accounts.starred_by(user) if _starred(registry, actor, n, user)]
    return {"rows": [{"key": [user], "value": name} for name in names]}


def _starred(registry: Registry, actor: Actor | None, name: str, user: str) -> bool:
    package = registry.packages.get_package(name)
    if package is None or package.tombstone is not None or user not in package.users:
        return False
    return may_read(registry, actor, package)
