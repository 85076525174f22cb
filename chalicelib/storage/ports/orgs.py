"""OrgStore: orgs, their members and teams, and the teams' grants on packages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from chalicelib.storage.records import OrgRecord


class OrgStore(Protocol):
    """Orgs, their members (with npm's roles) and teams. npm: every org has a `developers` team
    that new members join (the domain adds them; the store only stores)."""

    def create_org(self, org: OrgRecord, owner: str) -> None:
        """At once: claim the scope of the org's name (ScopeRecord kind="org", owner=org name),
        store the org, and make `owner` its first member with role "owner". ScopeClaimedError
        when the scope is taken (by a user or an org) and nothing is written."""

    def get_org(self, name: str) -> OrgRecord | None: ...

    def members(self, org: str) -> dict[str, str]:
        """user -> role."""

    def role_of(self, org: str, user: str) -> str | None:
        """The user's role in the org; None for a non-member. One point read."""

    def set_member(self, org: str, user: str, role: str) -> None:
        """Add or change a member (upsert). LastOwnerError if it would leave the org with no
        owner, decided atomically with the change (two owners demoting each other at once)."""

    def remove_member(self, org: str, user: str) -> bool:
        """Remove from the org and from all of its teams; True if they were a member.
        LastOwnerError if they are its last owner (atomically, as for set_member)."""

    def orgs_of(self, user: str) -> dict[str, str]:
        """org -> role, for every org the user belongs to."""

    def create_team(self, org: str, team: str, description: str) -> None:
        """ConflictError (TeamExistsError) if the team exists."""

    def delete_team(self, org: str, team: str) -> bool: ...

    def teams(self, org: str) -> dict[str, str]:
        """team -> description."""

    def team_members(self, org: str, team: str) -> list[str]:
        """Sorted user names."""

    def add_team_member(self, org: str, team: str, user: str) -> None: ...

    def remove_team_member(self, org: str, team: str, user: str) -> bool: ...

    def in_team(self, org: str, team: str, user: str) -> bool:
        """Whether the user is in the team. One point read."""

    def grant(self, org: str, team: str, package: str, permission: str) -> None:
        """Give a team "read-only" or "read-write" on a package (upsert). Deleting the team
        deletes its grants."""

    def revoke(self, org: str, team: str, package: str) -> bool: ...

    def team_packages(self, org: str, team: str) -> dict[str, str]:
        """package -> permission."""

    def package_grants(self, package: str) -> dict[str, str]:
        """ "org:team" -> permission, for every team granted this package."""

    def all_orgs(self) -> Iterator[OrgRecord]:
        """Every org, in no order: for `tarbox export` (a table scan on DynamoDB)."""
