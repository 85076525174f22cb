"""DynamoOrgStore: orgs, their members and teams, and the teams' grants (keys in `keys.py`: the
org's items under `ORG#<org>`, a copy of each membership under the user, of each grant under the
package).

A membership and its copy (and a grant and its copy) are written and removed in one
transaction. `create_org` writes the scope item (conditional: the scope must be free), the org,
the owner's membership and its copy in one transaction. A change that takes someone out of the
owners also checks that another owner still is one (`_owner_guard`), so an org keeps an owner
when owners remove each other at once. The grant model lives here rather than
in `table.py`, bound to the same table and connection by `model_for`.
"""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import UnicodeAttribute
from pynamodb.expressions.condition import Condition

from chalicelib.errors import (
    ConcurrentModificationError,
    LastOwnerError,
    ScopeClaimedError,
    TeamExistsError,
)
from chalicelib.settings import Settings
from chalicelib.storage.aws import keys
from chalicelib.storage.aws.accounts import scope_item
from chalicelib.storage.aws.table import (
    CONDITION_FAILED,
    Item,
    OrgMemberItem,
    Table,
    commit,
    delete,
    get,
    model_for,
    put,
    query_prefix,
    scan_prefix,
    table_for,
    translated,
)
from chalicelib.storage.records import OrgRecord, ScopeRecord

# A membership change that lost a race reads the members again; this many times at most.
_ATTEMPTS = 5


class TeamGrantItem(Item):
    """A grant, stored twice: under the org (GRANT#) and under the package (PKGGRANT#)."""

    org = UnicodeAttribute()
    team = UnicodeAttribute()
    package = UnicodeAttribute()
    permission = UnicodeAttribute()


def _grants(
    model: type[TeamGrantItem], org: str, team: str, package: str, permission: str = ""
) -> list[TeamGrantItem]:
    """The grant item and its copy under the package. `permission` only matters for writes."""
    return [
        model(*key, org=org, team=team, package=package, permission=permission)
        for key in (keys.team_grant(org, team, package), keys.package_grant(package, org, team))
    ]


def _memberships(t: Table, org: str, user: str, role: str = "") -> list[OrgMemberItem]:
    """The membership item and its copy under the user. `role` only matters for writes."""
    return [
        t.org_member(*keys.member(org, user), org=org, user=user, role=role),
        t.org_member(*keys.org_of(user, org), org=org, user=user, role=role),
    ]


class DynamoOrgStore:
    def __init__(self, settings: Settings) -> None:
        self._t = table_for(settings)
        self._grant = model_for(TeamGrantItem, settings)

    def create_org(self, org: OrgRecord, owner: str) -> None:
        t = self._t
        scope = ScopeRecord(scope=org.name, owner=org.name, created=org.created, kind="org")
        member, copy = _memberships(t, org.name, owner, "owner")
        codes = commit(
            t,
            [
                (scope_item(t, scope), t.scope.pk.does_not_exist()),
                (
                    t.org(*keys.org(org.name), name=org.name, created=org.created),
                    t.org.pk.does_not_exist(),
                ),
                (member, None),
                (copy, None),
            ],
        )
        if codes is None:
            return
        if CONDITION_FAILED in codes:
            raise ScopeClaimedError(f"the scope @{org.name} is taken")
        raise ConcurrentModificationError(f"@{org.name} is being claimed by someone else")

    def get_org(self, name: str) -> OrgRecord | None:
        item = get(self._t.org, *keys.org(name))
        return None if item is None else OrgRecord(name=item.name, created=item.created)

    def all_orgs(self) -> Iterator[OrgRecord]:
        items = scan_prefix(self._t.org, keys.ORG_PREFIX, keys.ORG_SK)
        return (OrgRecord(name=item.name, created=item.created) for item in items)

    def members(self, org: str) -> dict[str, str]:
        items = query_prefix(self._t.org_member, keys.org_pk(org), keys.MEMBER_PREFIX)
        return {item.user: item.role for item in items}

    def role_of(self, org: str, user: str) -> str | None:
        item = get(self._t.org_member, *keys.member(org, user))
        return None if item is None else item.role

    def set_member(self, org: str, user: str, role: str) -> None:
        t = self._t
        member, copy = _memberships(t, org, user, role)
        for _ in range(_ATTEMPTS):
            guard: Condition | None = None  # one more owner needs no guard
            checks: list[tuple[Item, Condition]] = []
            if role != "owner":
                guard, checks = self._owner_guard(org, user, self.members(org))
            if commit(t, [(member, guard), (copy, None)], checks=checks) is None:
                return
        raise ConcurrentModificationError(f"{user} in {org} is being changed")

    def remove_member(self, org: str, user: str) -> bool:
        t = self._t
        member, copy = _memberships(t, org, user)
        for _ in range(_ATTEMPTS):
            members = self.members(org)
            if user not in members:
                return False
            guard, checks = self._owner_guard(org, user, members)
            in_teams = [
                item
                for item in query_prefix(t.team_member, keys.org_pk(org), keys.TEAM_MEMBER_PREFIX)
                if item.user == user
            ]
            if commit(t, [], [copy, *in_teams], [(member, guard)], checks) is None:
                return True
        raise ConcurrentModificationError(f"{user} in {org} is being changed")

    def _owner_guard(
        self, org: str, user: str, members: dict[str, str]
    ) -> tuple[Condition, list[tuple[Item, Condition]]]:
        """What must still hold when `user` stops being an owner (or takes a role that is not
        owner): their role is the one read, and, if they are an owner, another owner read is
        still one. Raises LastOwnerError if there is no other owner.

        Checking one other owner is enough: of changes that commit, DynamoDB serialises those
        touching the same items, so the last owner-removing change to commit saw its other owner
        still in place, and nothing after it removed that owner (each such change would have
        checked an owner that was gone, or have been refused by its own role guard)."""
        t = self._t
        if user not in members:
            return t.org_member.pk.does_not_exist(), []
        guard = t.org_member.role == members[user]
        if members[user] != "owner":
            return guard, []
        others = sorted(name for name, role in members.items() if role == "owner" and name != user)
        if not others:
            raise LastOwnerError()
        other = t.org_member(*keys.member(org, others[0]))
        return guard, [(other, t.org_member.role == "owner")]

    def orgs_of(self, user: str) -> dict[str, str]:
        items = query_prefix(self._t.org_member, keys.user_pk(user), keys.ORG_OF_PREFIX)
        return {item.org: item.role for item in items}

    def create_team(self, org: str, team: str, description: str) -> None:
        t = self._t
        item = t.team(*keys.team(org, team), org=org, team=team, description=description)
        if not put(item, t.team.sk.does_not_exist()):
            raise TeamExistsError(f"the team {org}:{team} exists")

    def delete_team(self, org: str, team: str) -> bool:
        t = self._t
        if get(t.team, *keys.team(org, team)) is None:
            return False
        # Any number of members and grants, so a batch rather than one transaction (at most 100
        # items). They go first and the team item last: a crash in between leaves an empty team,
        # never a re-creatable name that would inherit the old team's grants.
        members = query_prefix(t.team_member, keys.org_pk(org), keys.team_members_prefix(team))
        grants = [
            copy
            for item in query_prefix(self._grant, keys.org_pk(org), keys.team_grants_prefix(team))
            for copy in _grants(self._grant, org, team, item.package)
        ]
        with translated(), t.item.batch_write() as batch:
            for each in [*members, *grants]:
                batch.delete(each)
        return delete(t.team(*keys.team(org, team)), t.team.sk.exists())

    def teams(self, org: str) -> dict[str, str]:
        items = query_prefix(self._t.team, keys.org_pk(org), keys.TEAM_PREFIX)
        return {item.team: item.description for item in items}

    def team_members(self, org: str, team: str) -> list[str]:
        items = query_prefix(self._t.team_member, keys.org_pk(org), keys.team_members_prefix(team))
        return sorted(item.user for item in items)

    def add_team_member(self, org: str, team: str, user: str) -> None:
        key = keys.team_member(org, team, user)
        put(self._t.team_member(*key, org=org, team=team, user=user), None)

    def remove_team_member(self, org: str, team: str, user: str) -> bool:
        t = self._t
        item = t.team_member(*keys.team_member(org, team, user))
        return delete(item, t.team_member.sk.exists())

    def in_team(self, org: str, team: str, user: str) -> bool:
        return get(self._t.team_member, *keys.team_member(org, team, user)) is not None

    def grant(self, org: str, team: str, package: str, permission: str) -> None:
        items = _grants(self._grant, org, team, package, permission)
        if commit(self._t, [(item, None) for item in items]) is not None:
            raise ConcurrentModificationError(f"{org}:{team} on {package} is being changed")

    def revoke(self, org: str, team: str, package: str) -> bool:
        grant, copy = _grants(self._grant, org, team, package)
        codes = commit(self._t, [], [copy], [(grant, self._grant.pk.exists())])
        if codes is None:
            return True
        if codes[-1] == CONDITION_FAILED:
            return False
        raise ConcurrentModificationError(f"{org}:{team} on {package} is being changed")

    def team_packages(self, org: str, team: str) -> dict[str, str]:
        items = query_prefix(self._grant, keys.org_pk(org), keys.team_grants_prefix(team))
        return {item.package: item.permission for item in items}

    def package_grants(self, package: str) -> dict[str, str]:
        items = query_prefix(self._grant, keys.package_grants_pk(package))
        return {f"{item.org}:{item.team}": item.permission for item in items}
