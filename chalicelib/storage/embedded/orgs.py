"""The embedded OrgStore: tables `orgs`, `org_members`, `teams`, `team_members` and
`team_grants` (a team's permission on a package).

An org's scope is a row of `scopes` (kind "org"), inserted in the transaction that creates the
org, so the primary key of `scopes` decides between an org and a user (or another org) racing for
one name. Every write is one `BEGIN IMMEDIATE` transaction, which is also what keeps an org's
last owner: the check and the change are in the same one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from chalicelib.errors import LastOwnerError, ScopeClaimedError, TeamExistsError
from chalicelib.storage.embedded.database import SqliteDatabase
from chalicelib.storage.records import OrgRecord


class SqliteOrgStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def create_org(self, org: OrgRecord, owner: str) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO scopes (scope, owner, created, kind) VALUES (?, ?, ?, 'org')",
                    (org.name, org.name, org.created),
                )
                conn.execute(
                    "INSERT INTO orgs (name, created) VALUES (?, ?)", (org.name, org.created)
                )
                conn.execute(
                    "INSERT INTO org_members (org, user, role) VALUES (?, ?, 'owner')",
                    (org.name, owner),
                )
        except sqlite3.IntegrityError as exc:
            raise ScopeClaimedError(f"Scope @{org.name} is already claimed") from exc

    def get_org(self, name: str) -> OrgRecord | None:
        rows = self._db.read("SELECT created FROM orgs WHERE name = ?", (name,))
        return OrgRecord(name=name, created=str(rows[0][0])) if rows else None

    def all_orgs(self) -> Iterator[OrgRecord]:
        rows = self._db.read("SELECT name, created FROM orgs ORDER BY name")
        return (OrgRecord(name=str(name), created=str(created)) for name, created in rows)

    def members(self, org: str) -> dict[str, str]:
        rows = self._db.read("SELECT user, role FROM org_members WHERE org = ?", (org,))
        return {str(user): str(role) for user, role in rows}

    def role_of(self, org: str, user: str) -> str | None:
        rows = self._db.read("SELECT role FROM org_members WHERE org = ? AND user = ?", (org, user))
        return str(rows[0][0]) if rows else None

    def set_member(self, org: str, user: str, role: str) -> None:
        with self._db.transaction() as conn:
            if role != "owner":
                _keep_an_owner(conn, org, user)
            conn.execute(
                "INSERT INTO org_members (org, user, role) VALUES (?, ?, ?)"
                " ON CONFLICT (org, user) DO UPDATE SET role = excluded.role",
                (org, user, role),
            )

    def remove_member(self, org: str, user: str) -> bool:
        with self._db.transaction() as conn:
            _keep_an_owner(conn, org, user)
            cursor = conn.execute("DELETE FROM org_members WHERE org = ? AND user = ?", (org, user))
            conn.execute("DELETE FROM team_members WHERE org = ? AND user = ?", (org, user))
        return cursor.rowcount == 1

    def orgs_of(self, user: str) -> dict[str, str]:
        rows = self._db.read("SELECT org, role FROM org_members WHERE user = ?", (user,))
        return {str(org): str(role) for org, role in rows}

    def create_team(self, org: str, team: str, description: str) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO teams (org, team, description) VALUES (?, ?, ?)",
                    (org, team, description),
                )
        except sqlite3.IntegrityError as exc:
            raise TeamExistsError(f"Team {org}:{team} already exists") from exc

    def delete_team(self, org: str, team: str) -> bool:
        with self._db.transaction() as conn:
            cursor = conn.execute("DELETE FROM teams WHERE org = ? AND team = ?", (org, team))
            conn.execute("DELETE FROM team_members WHERE org = ? AND team = ?", (org, team))
            conn.execute("DELETE FROM team_grants WHERE org = ? AND team = ?", (org, team))
        return cursor.rowcount == 1

    def teams(self, org: str) -> dict[str, str]:
        rows = self._db.read("SELECT team, description FROM teams WHERE org = ?", (org,))
        return {str(team): str(description) for team, description in rows}

    def team_members(self, org: str, team: str) -> list[str]:
        rows = self._db.read(
            "SELECT user FROM team_members WHERE org = ? AND team = ?", (org, team)
        )
        return sorted(str(row[0]) for row in rows)

    def add_team_member(self, org: str, team: str, user: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO team_members (org, team, user) VALUES (?, ?, ?)",
                (org, team, user),
            )

    def remove_team_member(self, org: str, team: str, user: str) -> bool:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM team_members WHERE org = ? AND team = ? AND user = ?",
                (org, team, user),
            )
        return cursor.rowcount == 1

    def in_team(self, org: str, team: str, user: str) -> bool:
        rows = self._db.read(
            "SELECT 1 FROM team_members WHERE org = ? AND team = ? AND user = ?",
            (org, team, user),
        )
        return bool(rows)

    def grant(self, org: str, team: str, package: str, permission: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO team_grants (org, team, package, permission) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (org, team, package) DO UPDATE SET permission = excluded.permission",
                (org, team, package, permission),
            )

    def revoke(self, org: str, team: str, package: str) -> bool:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM team_grants WHERE org = ? AND team = ? AND package = ?",
                (org, team, package),
            )
        return cursor.rowcount == 1

    def team_packages(self, org: str, team: str) -> dict[str, str]:
        rows = self._db.read(
            "SELECT package, permission FROM team_grants WHERE org = ? AND team = ?", (org, team)
        )
        return {str(package): str(permission) for package, permission in rows}

    def package_grants(self, package: str) -> dict[str, str]:
        rows = self._db.read(
            "SELECT org, team, permission FROM team_grants WHERE package = ?", (package,)
        )
        return {f"{org}:{team}": str(permission) for org, team, permission in rows}


def _keep_an_owner(conn: sqlite3.Connection, org: str, leaving: str) -> None:
    """Refuse to take `leaving` out of the owners if nobody else is one. Inside the write
    transaction, so two owners removing each other cannot both pass it."""
    owners = {
        str(row[0])
        for row in conn.execute(
            "SELECT user FROM org_members WHERE org = ? AND role = 'owner'", (org,)
        )
    }
    if owners == {leaving}:
        raise LastOwnerError()
