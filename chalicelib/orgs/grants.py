"""Team access to packages: `npm access grant|revoke`, `list packages`, `list collaborators`.

Who may read and write a package is decided in `acl/policy.py`; this module changes and lists
the grants that feed it. Every list shows only packages the caller may read.
"""

from __future__ import annotations

from typing import Any

from chalicelib.acl.facts import package_facts
from chalicelib.acl.guard import (
    OrgNotFoundError,
    access_level,
    enforce,
    may_read,
    not_found,
    require_org,
)
from chalicelib.acl.policy import ORG_MANAGE, ORG_READ, PACKAGE_READ, READ_WRITE, can, writers
from chalicelib.auth.service import Actor
from chalicelib.errors import InvalidPayloadError, NotFoundError
from chalicelib.orgs.service import DEVELOPERS, TeamNotFoundError
from chalicelib.packuments.names import scope_of
from chalicelib.registry import Registry
from chalicelib.storage.ports.orgs import OrgStore
from chalicelib.storage.ports.packages import PackageStore
from chalicelib.storage.records import PackageRecord

PERMISSIONS = {"read-only": "read", "read-write": "write"}


def grant(
    orgs: OrgStore, packages: PackageStore, actor: Actor, org: str, team: str, body: Any
) -> dict[str, str]:
    name, permission = _package_field(body), _permission(body)
    _check(orgs, packages, actor, org, team, name)
    orgs.grant(org, team, name, permission)
    return {"package": name, "permissions": permission}


def revoke(
    orgs: OrgStore, packages: PackageStore, actor: Actor, org: str, team: str, body: Any
) -> None:
    name = _package_field(body)
    _check(orgs, packages, actor, org, team, name)
    if not orgs.revoke(org, team, name):
        raise NotFoundError(f"{org}:{team} has no access to {name}")


def grant_developers(registry: Registry, package: PackageRecord) -> None:
    """npm: "the developers team has read/write access to all new packages created under the
    organization's scope" (docs.npmjs.com, about developers team)."""
    scope = scope_of(package.name)
    record = registry.accounts.get_scope(scope) if scope else None
    org = record.owner if record is not None and record.kind == "org" else None
    if org is not None and DEVELOPERS in registry.orgs.teams(org):
        registry.orgs.grant(org, DEVELOPERS, package.name, READ_WRITE)


def team_packages(registry: Registry, actor: Actor, org: str, team: str) -> dict[str, str]:
    require_org(registry.orgs, actor, org, ORG_READ)
    if team not in registry.orgs.teams(org):
        raise TeamNotFoundError(f"No team {org}:{team}")
    granted = registry.orgs.team_packages(org, team)
    return {
        name: PERMISSIONS[permission]
        for name, permission in sorted(granted.items())
        if _readable(registry, actor, name)
    }


def collaborators(registry: Registry, actor: Actor | None, name: str) -> dict[str, str]:
    """user -> "write" | "read" (npm access list collaborators)."""
    package = _live(registry.packages, name)
    # Everyone's facts: what the list needs, and the caller's answer is in them too.
    facts = package_facts(registry, package)
    enforce(can(actor, PACKAGE_READ, facts), not_found(name))
    members = facts.org.members if facts.org is not None else {}
    result = {
        user: "read" for _, users in facts.teams.values() for user in users if user in members
    }
    result.update(dict.fromkeys(writers(facts), "write"))
    return dict(sorted(result.items()))


def org_packages(registry: Registry, actor: Actor | None, org: str) -> dict[str, str]:
    """`npm access list packages @org`: the org's packages the caller may see, each with the
    caller's own access ("write", or "read")."""
    if registry.orgs.get_org(org) is None:
        # npm then asks for a user of that name (libnpmaccess getPackages).
        raise OrgNotFoundError(f"No org {org!r}")
    me = actor.name if actor is not None else None
    levels = _levels(registry, actor, me, registry.packages.packages_in_scope(org))
    return {name: level or "read" for name, level in levels.items()}


def user_packages(registry: Registry, actor: Actor | None, user: str) -> dict[str, str]:
    """`npm access list packages USER`: what `user` may write, and the private packages they
    may read (public packages anyone reads are left out, as npm documents), as far as the
    caller may see them."""
    if registry.accounts.get_user(user) is None:
        raise NotFoundError(f"There is no user with the username {user!r}")
    levels = _levels(registry, actor, user, sorted(_candidates(registry, user)), private=True)
    return {name: level for name, level in levels.items() if level is not None}


def _levels(
    registry: Registry,
    actor: Actor | None,
    user: str | None,
    names: list[str],
    *,
    private: bool = False,
) -> dict[str, str | None]:
    """name -> what `user` may do with it, for each live package the caller may see; `private`:
    "read" counts only on private packages."""
    result: dict[str, str | None] = {}
    for name in names:
        package = registry.packages.get_package(name)
        if package is None or package.tombstone is not None:
            continue
        if not may_read(registry, actor, package):
            continue
        level = access_level(package_facts(registry, package, user), user) if user else None
        if private and level == "read" and package.access != "restricted":
            level = None
        result[name] = level
    return result


def _candidates(registry: Registry, user: str) -> set[str]:
    """Packages `user` might reach: maintained, in their own scope, or in the scope of an org
    they belong to (team grants are only ever on the org's own packages)."""
    names = set(registry.indexes.maintained_by(user))
    names |= set(registry.packages.packages_in_scope(user))
    for org in registry.orgs.orgs_of(user):
        names |= set(registry.packages.packages_in_scope(org))
    return names


def _readable(registry: Registry, actor: Actor | None, name: str) -> bool:
    package = registry.packages.get_package(name)
    return package is not None and package.tombstone is None and may_read(registry, actor, package)


def _live(packages: PackageStore, name: str) -> PackageRecord:
    package = packages.get_package(name)
    if package is None or package.tombstone is not None:
        raise not_found(name)
    return package


def _check(
    orgs: OrgStore, packages: PackageStore, actor: Actor, org: str, team: str, name: str
) -> None:
    require_org(orgs, actor, org, ORG_MANAGE)
    if team not in orgs.teams(org):
        raise TeamNotFoundError(f"No team {org}:{team}")
    # The scope first: whether a name in another scope exists is not this org's to learn.
    if scope_of(name) != org:
        raise InvalidPayloadError(f"{name} is not in the @{org} scope")
    _live(packages, name)


def _package_field(body: Any) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("package"), str):
        raise InvalidPayloadError("package is required")
    return str(body["package"])


def _permission(body: Any) -> str:
    permission = body.get("permissions")
    if permission not in PERMISSIONS:
        raise InvalidPayloadError("permissions must be read-only or read-write")
    return str(permission)
