"""Loading what `policy.can` decides on: a package's scope, its org's members, its team grants.

Two ways, one shape. For a request, only what concerns the caller (`facts_for`): their role in
the org and whether they are in each team granted the package, a few point reads however large
the org is. For lists (collaborators), everything: every member of the org and of each granted
team (`package_facts` with no user). `can` answers the same for the caller from either.

A public package's reads need none of it (anyone may read), and neither does anyone who sent no
credentials or maintains the package, so the hot path of an install costs no extra call.
"""

from __future__ import annotations

from chalicelib.acl.policy import OWNER, OrgFacts, PackageFacts, ScopeFacts
from chalicelib.auth.service import Actor
from chalicelib.packuments.names import scope_of
from chalicelib.registry import Registry
from chalicelib.storage.ports.orgs import OrgStore
from chalicelib.storage.records import PackageRecord


def public_facts(package: PackageRecord) -> PackageFacts:
    """The package record alone: enough for public reads and for anonymous callers."""
    return PackageFacts(
        package.name, package.access, frozenset(m.name for m in package.maintainers)
    )


def facts_for(registry: Registry, package: PackageRecord, actor: Actor | None) -> PackageFacts:
    """The facts a decision about `actor` needs. The policy only ever adds rights (no rule
    takes one away), so what already grants everything ends the loading: a maintainer reads
    and writes on the package record alone, an org's owner on the org's facts."""
    if actor is None or actor.name in {m.name for m in package.maintainers}:
        return public_facts(package)
    return package_facts(registry, package, actor.name)


def package_facts(
    registry: Registry, package: PackageRecord, user: str | None = None
) -> PackageFacts:
    """The package's facts as far as they concern `user`, or all of them (`user` None)."""
    scope_name = scope_of(package.name)
    scope = scope_facts(registry, scope_name, user) if scope_name else None
    org = scope.org if scope is not None else None
    teams: dict[str, tuple[str, frozenset[str]]] = {}
    # Team grants count only for the org's members (an outsider's facts need none), and add
    # nothing for an owner, who may read and write every package of the org.
    role = org.members.get(user) if org is not None and user is not None else None
    if org is not None and (user is None or role not in (None, OWNER)):
        for team_ref, permission in registry.orgs.package_grants(package.name).items():
            owner, _, team = team_ref.partition(":")
            if owner == org.name:
                teams[team] = (permission, _team_members(registry.orgs, org, team, user))
    return PackageFacts(
        package.name,
        package.access,
        frozenset(m.name for m in package.maintainers),
        scope,
        teams,
    )


def _team_members(orgs: OrgStore, org: OrgFacts, team: str, user: str | None) -> frozenset[str]:
    if user is None:
        return frozenset(orgs.team_members(org.name, team))
    member = user in org.members and orgs.in_team(org.name, team, user)
    return frozenset({user}) if member else frozenset()


def scope_facts(registry: Registry, scope: str, user: str | None = None) -> ScopeFacts:
    record = registry.accounts.get_scope(scope)
    if record is None:
        return ScopeFacts(scope, None)
    org = None
    if record.kind == "org":
        org = OrgFacts(record.owner, _members(registry.orgs, record.owner, user))
    return ScopeFacts(scope, record.owner, record.kind, org)


def org_facts(orgs: OrgStore, name: str) -> OrgFacts | None:
    """Every member of the org; None when there is no such org."""
    if orgs.get_org(name) is None:
        return None
    return OrgFacts(name, orgs.members(name))


def _members(orgs: OrgStore, org: str, user: str | None) -> dict[str, str]:
    if user is None:
        return orgs.members(org)
    role = orgs.role_of(org, user)
    return {} if role is None else {user: role}
