"""DynamoOrgStore: orgs, their members and teams (item layout in `dynamo.py`).

Item layout (pk / sk):
    ORG#<org>   ORG                        the org
    ORG#<org>   MEMBER#<user>              a member and their role
    ORG#<org>   TEAM#<team>                a team and its description
    ORG#<org>   TEAMMEMBER#<team>#<user>   a member of a team ('#' is not in npm's names)
    USER#<user> ORGOF#<org>                a copy of the membership, for orgs_of

A membership and its copy are written and removed in one transaction. `create_org` writes the
scope item (conditional: the scope must be free), the org, the owner's membership and its copy
in one transaction.
"""

from __future__ import annotations

from chalicelib.errors import ConcurrentModificationError, ScopeClaimedError, TeamExistsError
from chalicelib.settings import Settings
from chalicelib.storage.dynamo_accounts import scope_item
from chalicelib.storage.dynamo_models import (
    CONDITION_FAILED,
    OrgMemberItem,
    Table,
    commit,
    delete,
    get,
    put,
    query_prefix,
    table_for,
    translated,
)
from chalicelib.storage.ports import OrgRecord, ScopeRecord

ORG_SK = "ORG"
MEMBER_PREFIX = "MEMBER#"
TEAM_PREFIX = "TEAM#"
TEAM_MEMBER_PREFIX = "TEAMMEMBER#"
ORG_OF_PREFIX = "ORGOF#"


def _org_pk(org: str) -> str:
    return f"ORG#{org}"


def _user_pk(user: str) -> str:
    return f"USER#{user}"


def _team_member_prefix(team: str) -> str:
    return f"{TEAM_MEMBER_PREFIX}{team}#"


def _memberships(t: Table, org: str, user: str, role: str = "") -> list[OrgMemberItem]:
    """The membership item and its copy under the user. `role` only matters for writes."""
    return [
        t.org_member(_org_pk(org), MEMBER_PREFIX + user, org=org, user=user, role=role),
        t.org_member(_user_pk(user), ORG_OF_PREFIX + org, org=org, user=user, role=role),
    ]


class DynamoOrgStore:
    def __init__(self, settings: Settings) -> None:
        self._t = table_for(settings)

    def create_org(self, org: OrgRecord, owner: str) -> None:
        t = self._t
        scope = ScopeRecord(scope=org.name, owner=org.name, created=org.created, kind="org")
        member, copy = _memberships(t, org.name, owner, "owner")
        codes = commit(
            t,
            [
                (scope_item(t, scope), t.scope.pk.does_not_exist()),
                (
                    t.org(_org_pk(org.name), ORG_SK, name=org.name, created=org.created),
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
        item = get(self._t.org, _org_pk(name), ORG_SK)
        return None if item is None else OrgRecord(name=item.name, created=item.created)

    def members(self, org: str) -> dict[str, str]:
        items = query_prefix(self._t.org_member, _org_pk(org), MEMBER_PREFIX)
        return {item.user: item.role for item in items}

    def set_member(self, org: str, user: str, role: str) -> None:
        t = self._t
        if commit(t, [(item, None) for item in _memberships(t, org, user, role)]) is not None:
            raise ConcurrentModificationError(f"{user} in {org} is being changed")

    def remove_member(self, org: str, user: str) -> bool:
        t = self._t
        member, copy = _memberships(t, org, user)
        in_teams = [
            item
            for item in query_prefix(t.team_member, _org_pk(org), TEAM_MEMBER_PREFIX)
            if item.user == user
        ]
        codes = commit(t, [], [copy, *in_teams], [(member, t.org_member.pk.exists())])
        if codes is None:
            return True
        if codes[-1] == CONDITION_FAILED:
            return False
        raise ConcurrentModificationError(f"{user} in {org} is being changed")

    def orgs_of(self, user: str) -> dict[str, str]:
        items = query_prefix(self._t.org_member, _user_pk(user), ORG_OF_PREFIX)
        return {item.org: item.role for item in items}

    def create_team(self, org: str, team: str, description: str) -> None:
        t = self._t
        item = t.team(_org_pk(org), TEAM_PREFIX + team, org=org, team=team, description=description)
        if not put(item, t.team.sk.does_not_exist()):
            raise TeamExistsError(f"the team {org}:{team} exists")

    def delete_team(self, org: str, team: str) -> bool:
        t = self._t
        if not delete(t.team(_org_pk(org), TEAM_PREFIX + team), t.team.sk.exists()):
            return False
        # Any number of members, so a batch rather than one transaction (at most 100 items).
        members = query_prefix(t.team_member, _org_pk(org), _team_member_prefix(team))
        with translated(), t.team_member.batch_write() as batch:
            for item in members:
                batch.delete(item)
        return True

    def teams(self, org: str) -> dict[str, str]:
        items = query_prefix(self._t.team, _org_pk(org), TEAM_PREFIX)
        return {item.team: item.description for item in items}

    def team_members(self, org: str, team: str) -> list[str]:
        items = query_prefix(self._t.team_member, _org_pk(org), _team_member_prefix(team))
        return sorted(item.user for item in items)

    def add_team_member(self, org: str, team: str, user: str) -> None:
        item = self._t.team_member(
            _org_pk(org), _team_member_prefix(team) + user, org=org, team=team, user=user
        )
        put(item, None)

    def remove_team_member(self, org: str, team: str, user: str) -> bool:
        t = self._t
        item = t.team_member(_org_pk(org), _team_member_prefix(team) + user)
        return delete(item, t.team_member.sk.exists())
