"""`npm org set|rm|ls` and `npm team create|destroy|add|rm|ls` (libnpmorg, libnpmteam).

npm's roles: an org's owners manage everything: who is a member, and with which role; admins
manage teams (and who is in them); developers publish and read. Every org has a `developers`
team that new members join, and leaving the org means leaving its teams.
"""

from __future__ import annotations

from typing import Any

from chalicelib.acl.guard import require_org
from chalicelib.acl.policy import ORG_MANAGE, ORG_OWN, ORG_READ
from chalicelib.auth.service import Actor, validate_new_user
from chalicelib.clock import now_iso
from chalicelib.errors import (
    InvalidPayloadError,
    NotFoundError,
    UserNotFoundError,
)
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.ports.orgs import OrgStore
from chalicelib.storage.records import ORG_ROLES, OrgRecord

DEVELOPERS = "developers"
OWNER, ADMIN, DEVELOPER = ORG_ROLES
# npm's archaic synonyms (registry docs, orgs/memberships.md).
ROLE_SYNONYMS = {"super-admin": OWNER, "team-admin": ADMIN}


class TeamNotFoundError(NotFoundError):
    pass


def create_org(orgs: OrgStore, accounts: AccountStore, name: str, owner: str) -> OrgRecord:
    """An operator's `tarbox org create NAME --owner USER`, and a publisher claiming a scope."""
    validate_new_user(name, "org@example.com", "-")  # an org name is a scope: same rules
    if accounts.get_user(owner) is None:
        raise UserNotFoundError(f"There is no user with the username {owner!r}")
    org = OrgRecord(name, now_iso())
    orgs.create_org(org, owner)
    orgs.create_team(name, DEVELOPERS, "every member of the org")
    orgs.add_team_member(name, DEVELOPERS, owner)
    return org


def set_member(
    orgs: OrgStore, accounts: AccountStore, actor: Actor, org: str, body: Any
) -> dict[str, Any]:
    user, role = _user_field(body), _role(body)
    # npmjs: only owners add members or change roles (an admin could otherwise add anyone, or
    # make a friend an admin).
    members = require_org(orgs, actor, org, ORG_OWN).members
    if accounts.get_user(user) is None:
        raise UserNotFoundError(f"There is no user with the username {user!r}")
    orgs.set_member(org, user, role)  # refuses to take away the last owner
    if user not in members:
        orgs.add_team_member(org, DEVELOPERS, user)
    size = len(members) + (0 if user in members else 1)
    return {"org": {"name": org, "size": size}, "user": user, "role": role}


def remove_member(orgs: OrgStore, actor: Actor, org: str, body: Any) -> None:
    user = _user_field(body)
    members = require_org(orgs, actor, org, ORG_OWN).members  # owners only, as on npmjs
    if user not in members:
        raise NotFoundError(f"{user} is not a member of {org}")
    orgs.remove_member(org, user)  # refuses to take away the last owner


def list_members(orgs: OrgStore, actor: Actor, org: str) -> dict[str, str]:
    return dict(require_org(orgs, actor, org, ORG_READ).members)


def create_team(orgs: OrgStore, actor: Actor, org: str, body: Any) -> dict[str, str]:
    manager_members(orgs, actor, org)
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        raise InvalidPayloadError("A team needs a name")
    team = body["name"]
    validate_new_user(team, "team@example.com", "-")
    description = body.get("description") if isinstance(body.get("description"), str) else ""
    orgs.create_team(org, team, description or "")
    return {"name": team, "description": description or ""}


def destroy_team(orgs: OrgStore, actor: Actor, org: str, team: str) -> None:
    manager_members(orgs, actor, org)
    if not orgs.delete_team(org, team):
        raise TeamNotFoundError(f"No team {org}:{team}")


def add_team_member(orgs: OrgStore, actor: Actor, org: str, team: str, body: Any) -> dict[str, str]:
    members = manager_members(orgs, actor, org)
    user = _user_field(body)
    _team(orgs, org, team)
    if user not in members:
        raise InvalidPayloadError(f"{user} must be a member of {org} to join one of its teams")
    orgs.add_team_member(org, team, user)
    return {"org": org, "team": team, "user": user}


def remove_team_member(orgs: OrgStore, actor: Actor, org: str, team: str, body: Any) -> None:
    manager_members(orgs, actor, org)
    _team(orgs, org, team)
    if not orgs.remove_team_member(org, team, _user_field(body)):
        raise NotFoundError(f"{_user_field(body)} is not in {org}:{team}")


def list_teams(orgs: OrgStore, actor: Actor, org: str) -> list[str]:
    list_members(orgs, actor, org)
    return [f"{org}:{team}" for team in sorted(orgs.teams(org))]


def list_team_members(orgs: OrgStore, actor: Actor, org: str, team: str) -> list[str]:
    list_members(orgs, actor, org)
    _team(orgs, org, team)
    return orgs.team_members(org, team)


def manager_members(orgs: OrgStore, actor: Actor, org: str) -> dict[str, str]:
    """The members of an org the actor may manage (an owner or admin, with a full token)."""
    return dict(require_org(orgs, actor, org, ORG_MANAGE).members)


def _team(orgs: OrgStore, org: str, team: str) -> None:
    if team not in orgs.teams(org):
        raise TeamNotFoundError(f"No team {org}:{team}")


def _user_field(body: Any) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("user"), str) or not body["user"]:
        raise InvalidPayloadError("user is required")
    return str(body["user"]).lstrip("@")


def _role(body: Any) -> str:
    role = body.get("role") or DEVELOPER
    role = ROLE_SYNONYMS.get(role, role)
    if role not in ORG_ROLES:
        raise InvalidPayloadError(f"role must be one of {', '.join(ORG_ROLES)}")
    return str(role)
