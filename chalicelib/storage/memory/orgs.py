"""The memory OrgStore: orgs, their members (with roles), teams, team members and team grants.

An org claims its scope in the scopes the account store claims users' in, under the same lock,
so an org and a user (or two orgs) racing for one name cannot both have it. The last-owner
check and the change it guards are one locked step too.
"""

from __future__ import annotations

from collections.abc import Iterator

from chalicelib.errors import LastOwnerError, ScopeClaimedError, TeamExistsError
from chalicelib.storage.memory.database import MemoryDatabase
from chalicelib.storage.records import OrgRecord, ScopeRecord


class MemoryOrgStore:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    def create_org(self, org: OrgRecord, owner: str) -> None:
        db = self._db
        with db.lock:
            if org.name in db.scopes or org.name in db.orgs:
                raise ScopeClaimedError(f"Scope @{org.name} is already claimed")
            db.scopes[org.name] = ScopeRecord(org.name, org.name, org.created, "org")
            db.orgs[org.name] = org
            db.org_members[org.name] = {owner: "owner"}

    def get_org(self, name: str) -> OrgRecord | None:
        with self._db.lock:
            return self._db.orgs.get(name)

    def all_orgs(self) -> Iterator[OrgRecord]:
        with self._db.lock:
            orgs = sorted(self._db.orgs.values(), key=lambda o: o.name)
        return iter(orgs)

    def members(self, org: str) -> dict[str, str]:
        with self._db.lock:
            return dict(self._db.org_members.get(org, {}))

    def role_of(self, org: str, user: str) -> str | None:
        with self._db.lock:
            return self._db.org_members.get(org, {}).get(user)

    def set_member(self, org: str, user: str, role: str) -> None:
        with self._db.lock:
            if role != "owner":
                self._keep_an_owner(org, user)
            self._db.org_members.setdefault(org, {})[user] = role

    def remove_member(self, org: str, user: str) -> bool:
        db = self._db
        with db.lock:
            self._keep_an_owner(org, user)
            members = db.org_members.get(org, {})
            was_member = members.pop(user, None) is not None
            if not members:
                db.org_members.pop(org, None)
            for (team_org, _), users in db.team_members.items():
                if team_org == org:
                    users.discard(user)
            return was_member

    def orgs_of(self, user: str) -> dict[str, str]:
        with self._db.lock:
            return {
                org: members[user]
                for org, members in self._db.org_members.items()
                if user in members
            }

    def create_team(self, org: str, team: str, description: str) -> None:
        with self._db.lock:
            teams = self._db.teams.setdefault(org, {})
            if team in teams:
                raise TeamExistsError(f"Team {org}:{team} already exists")
            teams[team] = description

    def delete_team(self, org: str, team: str) -> bool:
        db = self._db
        with db.lock:
            teams = db.teams.get(org, {})
            existed = teams.pop(team, None) is not None
            if not teams:
                db.teams.pop(org, None)
            db.team_members.pop((org, team), None)
            db.team_grants.pop((org, team), None)
            return existed

    def teams(self, org: str) -> dict[str, str]:
        with self._db.lock:
            return dict(self._db.teams.get(org, {}))

    def team_members(self, org: str, team: str) -> list[str]:
        with self._db.lock:
            return sorted(self._db.team_members.get((org, team), ()))

    def add_team_member(self, org: str, team: str, user: str) -> None:
        with self._db.lock:
            self._db.team_members.setdefault((org, team), set()).add(user)

    def remove_team_member(self, org: str, team: str, user: str) -> bool:
        with self._db.lock:
            members = self._db.team_members.get((org, team), set())
            if user not in members:
                return False
            members.discard(user)
            return True

    def in_team(self, org: str, team: str, user: str) -> bool:
        with self._db.lock:
            return user in self._db.team_members.get((org, team), ())

    def grant(self, org: str, team: str, package: str, permission: str) -> None:
        with self._db.lock:
            self._db.team_grants.setdefault((org, team), {})[package] = permission

    def revoke(self, org: str, team: str, package: str) -> bool:
        with self._db.lock:
            return self._db.team_grants.get((org, team), {}).pop(package, None) is not None

    def team_packages(self, org: str, team: str) -> dict[str, str]:
        with self._db.lock:
            return dict(self._db.team_grants.get((org, team), {}))

    def package_grants(self, package: str) -> dict[str, str]:
        with self._db.lock:
            return {
                f"{org}:{team}": grants[package]
                for (org, team), grants in self._db.team_grants.items()
                if package in grants
            }

    def _keep_an_owner(self, org: str, leaving: str) -> None:
        """Refuse to take `leaving` out of the owners if nobody else is one; under the lock the
        change is made in, so two owners removing each other cannot both pass it."""
        members = self._db.org_members.get(org, {})
        owners = {user for user, role in members.items() if role == "owner"}
        if owners == {leaving}:
            raise LastOwnerError()
