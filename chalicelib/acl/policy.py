"""Who may do what: one pure function, `can(actor, action, resource)`, with a reason every time.

Authorization is data. A resource is what the registry knows about a package, an org or a scope
(`facts.py` loads it); an action is a `resource:verb` value; the answer is a `Decision` that says
why, and, when it refuses, how the refusal must look: `hidden` (404, so a private package's
existence does not leak), `unauthenticated` (401) or `forbidden` (403).

npm's rules, as npmjs applies them (docs.npmjs.com, "about developers team", orgs, access):
- a public package is readable by anyone; a restricted one by its maintainers, the owner of its
  user scope, its org's owners and admins, and members of the org's teams granted access;
- a package is written by its maintainers, its org's owners and members of teams granted
  read-write (the org's `developers` team is granted read-write on every new org package);
- an org's members see it; owners and admins manage members and teams; only owners touch owners;
- a scope takes new packages from its user, or from any member of its org.
Tokens narrow all of this: read-only tokens write nothing; granular tokens reach only the
packages and scopes they name, and manage no orgs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from chalicelib.auth.service import Actor
from chalicelib.packuments.names import scope_of

PACKAGE_READ = "package:read"
PACKAGE_WRITE = "package:write"
ORG_READ = "org:read"
ORG_MANAGE = "org:manage"
ORG_OWN = "org:own"
SCOPE_PUBLISH = "scope:publish"

OWNER, ADMIN, DEVELOPER = "owner", "admin", "developer"
READ_ONLY, READ_WRITE = "read-only", "read-write"

# What a trusted publisher (npm trust) may be allowed to do, in npm's words.
PUBLISH_PERMISSION = "createPackage"
STAGE_PERMISSION = "createStagedPackage"
HIDDEN = "hidden"
UNAUTHENTICATED = "unauthenticated"
FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    refusal: str | None = None  # HIDDEN | UNAUTHENTICATED | FORBIDDEN when not allowed


def allow(reason: str) -> Decision:
    return Decision(True, reason)


def refuse(refusal: str, reason: str) -> Decision:
    return Decision(False, reason, refusal)


@dataclass(frozen=True)
class OrgFacts:
    name: str
    members: Mapping[str, str] = field(default_factory=dict)  # user -> role


@dataclass(frozen=True)
class ScopeFacts:
    scope: str
    owner: str | None  # None: nobody has claimed it
    kind: str = "user"  # "user" | "org"
    org: OrgFacts | None = None  # the owning org, when kind == "org"


@dataclass(frozen=True)
class PackageFacts:
    name: str
    access: str  # "public" | "restricted"
    maintainers: frozenset[str]
    scope: ScopeFacts | None = None  # None: unscoped, or public facts loaded without it
    # Teams of the owning org with a grant on this package: team -> (permission, its members).
    teams: Mapping[str, tuple[str, frozenset[str]]] = field(default_factory=dict)

    @property
    def org(self) -> OrgFacts | None:
        return self.scope.org if self.scope is not None else None


Resource = PackageFacts | OrgFacts | ScopeFacts


def can(actor: Actor | None, action: str, resource: Resource) -> Decision:
    match resource:
        case PackageFacts():
            return _package(actor, action, resource)
        case OrgFacts():
            return _org(actor, action, resource)
        case ScopeFacts():
            return _scope(actor, action, resource)
    raise ValueError(f"unknown resource {resource!r}")  # pragma: no cover - exhaustive


# --- packages ---------------------------------------------------------------------------------


def writers(package: PackageFacts) -> dict[str, str]:
    """user -> why they may write: maintainers, org owners, members of read-write teams."""
    why: dict[str, str] = {}
    org = package.org
    if org is not None:
        for team, (permission, users) in package.teams.items():
            if permission == READ_WRITE:
                why.update(
                    {u: f"is in {org.name}:{team} (read-write)" for u in users if u in org.members}
                )
        why.update({u: f"owns {org.name}" for u, r in org.members.items() if r == OWNER})
    why.update(dict.fromkeys(package.maintainers, "maintains it"))
    return why


def readers(package: PackageFacts) -> dict[str, str]:
    """user -> why they may read a restricted package: its writers, the owner of its user scope,
    the org's admins, members of teams granted read-only."""
    org, scope = package.org, package.scope
    why: dict[str, str] = {}
    if org is not None:
        for team, (permission, users) in package.teams.items():
            why.update(
                {u: f"is in {org.name}:{team} ({permission})" for u in users if u in org.members}
            )
        why.update({u: f"is an admin of {org.name}" for u, r in org.members.items() if r == ADMIN})
    if scope is not None and scope.kind == "user" and scope.owner:
        why[scope.owner] = f"owns @{scope.scope}"
    why.update(writers(package))
    return why


def _package(actor: Actor | None, action: str, package: PackageFacts) -> Decision:
    seen = _read(actor, package)
    if action == PACKAGE_READ or not seen.allowed:
        return seen
    if action != PACKAGE_WRITE:
        raise ValueError(f"unknown package action {action!r}")
    if actor is None:
        return refuse(UNAUTHENTICATED, "You must be logged in to change a package: run `npm login`")
    limited = token_refusal(actor, package.name)
    if limited is not None:
        return limited
    reason = writers(package).get(actor.name)
    if reason is None:
        return refuse(
            FORBIDDEN,
            f"You do not have permission to publish {package.name!r}. "
            "Are you logged in as the correct user?",
        )
    return allow(f"{actor.name} {reason}")


def _read(actor: Actor | None, package: PackageFacts) -> Decision:
    if package.access == "public":
        return allow(f"{package.name} is public")
    if actor is None:
        return refuse(HIDDEN, f"{package.name} is private and you are not logged in")
    if not token_reaches(actor, package.name, write=False):
        return refuse(HIDDEN, f"This token does not reach the private package {package.name}")
    reason = readers(package).get(actor.name)
    if reason is None:
        return refuse(HIDDEN, f"{actor.name} has no access to the private package {package.name}")
    return allow(f"{actor.name} {reason}")


def token_refusal(actor: Actor, name: str) -> Decision | None:
    """The token's own limits on a write to `name`, whatever the package's facts: read-only
    tokens write nothing, granular ones only inside their packages and scopes."""
    if actor.readonly:
        return refuse(FORBIDDEN, "This token is read-only and cannot change anything")
    if not token_reaches(actor, name, write=True):
        return refuse(FORBIDDEN, f"This token is not allowed to change {name}")
    return None


def trusted_publisher_refusal(actor: Actor, publishing: str | None) -> Decision | None:
    """A token from trusted publishing does one thing: publish its package (or stage it), as
    its publisher allows. Never dist-tags, owners, deprecations or unpublishing, which npm keeps
    for people."""
    publisher = actor.trusted_publisher
    if publisher is None:
        return None
    if publishing is None:
        return refuse(FORBIDDEN, "A trusted publisher's token may only publish")
    if publishing not in publisher.get("permissions", []):
        return refuse(FORBIDDEN, f"This trusted publisher does not have {publishing} permission")
    return None


def granular(actor: Actor) -> bool:
    """A granular token (npm token create with packages, scopes or orgs); an automation token
    (only --bypass-2fa) is a classic one."""
    return not set(actor.grants) <= {"bypass_2fa"}


def token_reaches_org(actor: Actor, org: str) -> bool:
    """A granular token sees only the orgs it names, with some permission on them."""
    if not granular(actor):
        return True
    orgs = [o.lstrip("@") for o in actor.grants.get("orgs") or []]
    return org in orgs and actor.grants.get("orgs_permission") in (READ_ONLY, READ_WRITE)


def token_reaches(actor: Actor, name: str, *, write: bool) -> bool:
    """Whether the token may act on `name`. A classic token (no grants) may; a granular one
    only on the packages and scopes it names, and writes only with read-write permission. A
    granular token that names no packages (only orgs, or `no-access`) reaches none."""
    grants = actor.grants
    if not granular(actor):
        return True
    permission = grants.get("permission", READ_WRITE)
    if permission not in (READ_ONLY, READ_WRITE) or (write and permission != READ_WRITE):
        return False
    packages, scopes = grants.get("packages") or [], grants.get("scopes") or []
    scope = scope_of(name)
    in_scope = scope is not None and any(s.lstrip("@") == scope for s in scopes)
    return bool(grants.get("packages_all")) or name in packages or in_scope


# --- orgs -------------------------------------------------------------------------------------


# The roles an org action needs, and what the others are told.
_ORG_ROLES = {
    ORG_READ: ((OWNER, ADMIN, DEVELOPER), ""),
    ORG_MANAGE: ((OWNER, ADMIN), "Only owners and admins of {org} can do that"),
    ORG_OWN: ((OWNER,), "Only an org's owners can add or remove members or change their roles"),
}


def _org(actor: Actor | None, action: str, org: OrgFacts) -> Decision:
    if action not in _ORG_ROLES:
        raise ValueError(f"unknown org action {action!r}")
    roles, refusal = _ORG_ROLES[action]
    if actor is None:
        return refuse(UNAUTHENTICATED, "You must be logged in: run `npm login`")
    role = org.members.get(actor.name)
    if role is None:
        return refuse(HIDDEN, f"No org {org.name!r} that you belong to")
    if action == ORG_READ and not token_reaches_org(actor, org.name):
        return refuse(FORBIDDEN, f"This token is not allowed to see {org.name}")
    if action != ORG_READ and (actor.readonly or granular(actor)):
        return refuse(FORBIDDEN, "This token cannot manage orgs")
    if role not in roles:
        return refuse(FORBIDDEN, refusal.format(org=org.name))
    return allow(f"{actor.name} is a member ({role}) of {org.name}")


# --- scopes -----------------------------------------------------------------------------------


def _scope(actor: Actor | None, action: str, scope: ScopeFacts) -> Decision:
    if action != SCOPE_PUBLISH:
        raise ValueError(f"unknown scope action {action!r}")
    if actor is None:
        return refuse(UNAUTHENTICATED, "You must be logged in to publish: run `npm login`")
    denied = refuse(
        FORBIDDEN, f"You do not have permission to publish into the scope @{scope.scope}"
    )
    if scope.owner is None:
        return allow(f"nobody owns @{scope.scope}: publishing claims it")
    if scope.kind == "org":
        role = (scope.org.members if scope.org else {}).get(actor.name)
        return allow(f"{actor.name} is a member ({role}) of {scope.scope}") if role else denied
    return (
        allow(f"@{scope.scope} is {actor.name}'s own scope")
        if scope.owner == actor.name
        else denied
    )
