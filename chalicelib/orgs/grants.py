"""Team access to packages (`npm access grant|revoke`, `list collaborators`) and who may write a
package: its maintainers, the owners of the org that owns its scope, and the members of teams
granted read-write."""

from __future__ import annotations

from typing import Any

from chalicelib.auth.service import Actor
from chalicelib.errors import InvalidPayloadError, NotFoundError, PermissionDeniedError
from chalicelib.orgs.service import OWNER, TeamNotFoundError, manager_members
from chalicelib.packuments.names import scope_of
from chalicelib.registry import Registry
from chalicelib.storage.ports import PackageRecord

PERMISSIONS = {"read-only": "read", "read-write": "write"}


def writers_of(registry: Registry, package: PackageRecord) -> frozenset[str]:
    writers = {m.name for m in package.maintainers}
    scope = scope_of(package.name)
    record = registry.accounts.get_scope(scope) if scope else None
    if record is not None and record.kind == "org":
        members = registry.orgs.members(record.owner)
        writers |= {user for user, role in members.items() if role == OWNER}
        for team_ref, permission in registry.orgs.package_grants(package.name).items():
            org, _, team = team_ref.partition(":")
            if permission == "read-write" and org == record.owner:
                writers |= set(registry.orgs.team_members(org, team)) & set(members)
    return frozenset(writers)


def require_may_write(registry: Registry, package: PackageRecord, actor: Actor) -> None:
    if actor.name not in writers_of(registry, package):
        raise PermissionDeniedError(
            f"You do not have permission to publish {package.name!r}. "
            "Are you logged in as the correct user?"
        )


def grant(registry: Registry, actor: Actor, org: str, team: str, body: Any) -> dict[str, str]:
    name, permission = _package_field(body), _permission(body)
    _check(registry, actor, org, team, name)
    registry.orgs.grant(org, team, name, permission)
    return {"package": name, "permissions": permission}


def revoke(registry: Registry, actor: Actor, org: str, team: str, body: Any) -> None:
    name = _package_field(body)
    _check(registry, actor, org, team, name)
    if not registry.orgs.revoke(org, team, name):
        raise NotFoundError(f"{org}:{team} has no access to {name}")


def team_packages(registry: Registry, org: str, team: str) -> dict[str, str]:
    if team not in registry.orgs.teams(org):
        raise TeamNotFoundError(f"No team {org}:{team}")
    return {p: PERMISSIONS[v] for p, v in registry.orgs.team_packages(org, team).items()}


def collaborators(registry: Registry, name: str) -> dict[str, str]:
    """user -> "write" | "read" (npm access list collaborators)."""
    package = registry.packages.get_package(name)
    if package is None or package.tombstone is not None:
        raise NotFoundError(f"'{name}' is not in this registry")
    result: dict[str, str] = {}
    for team_ref, permission in registry.orgs.package_grants(name).items():
        org, _, team = team_ref.partition(":")
        for user in registry.orgs.team_members(org, team):
            if result.get(user) != "write":
                result[user] = PERMISSIONS[permission]
    result.update(dict.fromkeys(writers_of(registry, package), "write"))
    return dict(sorted(result.items()))


def _check(registry: Registry, actor: Actor, org: str, team: str, name: str) -> None:
    manager_members(registry, actor, org)
    if team not in registry.orgs.teams(org):
        raise TeamNotFoundError(f"No team {org}:{team}")
    package = registry.packages.get_package(name)
    if package is None or package.tombstone is not None:
        raise NotFoundError(f"'{name}' is not in this registry")
    if scope_of(name) != org:
        raise InvalidPayloadError(f"{name} is not in the @{org} scope")


def _package_field(body: Any) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("package"), str):
        raise InvalidPayloadError("package is required")
    return str(body["package"])


def _permission(body: Any) -> str:
    permission = body.get("permissions")
    if permission not in PERMISSIONS:
        raise InvalidPayloadError("permissions must be read-only or read-write")
    return str(permission)
