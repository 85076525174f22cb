"""`npm owner add|rm|ls`: the partial `{_id, _rev, maintainers}` PUT to `/{pkg}/-rev/{rev}`.

Maintainers are who may publish. Emails come from the accounts, not from the client.
"""

from __future__ import annotations

from chalicelib.auth.service import Actor
from chalicelib.errors import InvalidPayloadError
from chalicelib.packuments.updates import next_rev
from chalicelib.publish.classify import ChangeOwners
from chalicelib.registry import Registry
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.records import Maintainer, PackageRecord, VersionRecord
from chalicelib.writes.pipeline import change_package


def change_owners(
    registry: Registry, actor: Actor, name: str, change: ChangeOwners, base_url: str
) -> PackageRecord:
    if not change.maintainers:
        # npm refuses this client-side too (EOWNERRM).
        raise InvalidPayloadError("A package must keep at least one owner")
    maintainers = tuple(_maintainer(registry.accounts, user) for user in change.maintainers)
    before: set[str] = set()

    def compute(package: PackageRecord, versions: list[VersionRecord]) -> PackageRecord:
        before.clear()
        before.update(m.name for m in package.maintainers)
        if before == {m.name for m in maintainers}:
            return package
        return next_rev(package, maintainers=maintainers)

    updated = change_package(
        registry, actor, name, compute, base_url=base_url, expected_rev=change.rev
    )
    # The index behind `npm access list packages USER` follows the package item.
    after = {m.name for m in updated.maintainers}
    for user in after ^ before:
        registry.indexes.index_maintainer(user, name, present=user in after)
    return updated


def _maintainer(accounts: AccountStore, user: str) -> Maintainer:
    account = accounts.get_user(user)
    if account is None:
        raise InvalidPayloadError(f"There is no user with the username {user!r}")
    return Maintainer(account.name, account.email)
