"""Turning `policy.can` decisions into the registry's answers, for the use cases.

A hidden refusal answers exactly what a missing package (or org) answers, so its body tells
nothing the caller could not learn about a name that does not exist; the decision's reason is
for logs and tests, never the response.
"""

from __future__ import annotations

import logging

from chalicelib.acl.facts import facts_for, org_facts, public_facts, scope_facts
from chalicelib.acl.policy import (
    HIDDEN,
    PACKAGE_READ,
    PACKAGE_WRITE,
    SCOPE_PUBLISH,
    UNAUTHENTICATED,
    Decision,
    OrgFacts,
    PackageFacts,
    ScopeFacts,
    can,
    readers,
    token_refusal,
    trusted_publisher_refusal,
    writers,
)
from chalicelib.auth.service import Actor
from chalicelib.errors import (
    AuthenticationRequiredError,
    NotFoundError,
    PackageNotFoundError,
    PermissionDeniedError,
)
from chalicelib.registry import Registry
from chalicelib.storage.ports.orgs import OrgStore
from chalicelib.storage.records import PackageRecord

logger = logging.getLogger("tarbox")


class OrgNotFoundError(NotFoundError):
    pass


def not_found(name: str) -> PackageNotFoundError:
    return PackageNotFoundError(f"'{name}' is not in this registry")


def enforce(decision: Decision, hidden: NotFoundError) -> None:
    """Raise the error a refusal answers with; `hidden` is what a missing thing would answer."""
    if decision.allowed:
        return
    if decision.refusal == HIDDEN:
        logger.debug("hidden: %s", decision.reason)
        raise hidden
    if decision.refusal == UNAUTHENTICATED:
        raise AuthenticationRequiredError(decision.reason)
    raise PermissionDeniedError(decision.reason)


def require_token_may_write(actor: Actor, name: str, *, publishing: str | None = None) -> None:
    """The token's own limits, checked before anything is read, so a hidden package and a
    missing one answer alike. `publishing`: the write is a publish (PUBLISH_PERMISSION) or a
    staged one, which a trusted publisher's token may do."""
    refusal = token_refusal(actor, name) or trusted_publisher_refusal(actor, publishing)
    if refusal is not None:
        enforce(refusal, not_found(name))


def facts_for_read(registry: Registry, package: PackageRecord, actor: Actor | None) -> PackageFacts:
    if package.access == "public":
        return public_facts(package)
    return facts_for(registry, package, actor)


def may_read(registry: Registry, actor: Actor | None, package: PackageRecord) -> bool:
    return can(actor, PACKAGE_READ, facts_for_read(registry, package, actor)).allowed


def may_write(registry: Registry, actor: Actor | None, package: PackageRecord) -> bool:
    return (
        actor is not None and can(actor, PACKAGE_WRITE, facts_for(registry, package, actor)).allowed
    )


def require_read(
    registry: Registry,
    actor: Actor | None,
    package: PackageRecord,
    hidden: NotFoundError | None = None,
) -> None:
    """404 for anyone who may not see the package, with what a missing one answers (`hidden`,
    by default the missing package's): its existence does not leak."""
    decision = can(actor, PACKAGE_READ, facts_for_read(registry, package, actor))
    enforce(decision, hidden or not_found(package.name))


def require_write(registry: Registry, actor: Actor | None, package: PackageRecord) -> PackageFacts:
    """404 when the actor may not even see it, else 401/403 with the reason."""
    facts = facts_for(registry, package, actor)
    enforce(can(actor, PACKAGE_WRITE, facts), not_found(package.name))
    return facts


def writers_of(facts: PackageFacts) -> frozenset[str]:
    """Who may change the package, as far as the facts tell (all of them, or just the caller):
    what the rules function (`check_transition`) checks the caller against."""
    return frozenset(writers(facts))


def access_level(facts: PackageFacts, user: str) -> str | None:
    """npm access's words for what `user` may do: "write", "read", or None."""
    if user in writers(facts):
        return "write"
    if facts.access == "public" or user in readers(facts):
        return "read"
    return None


def require_publish_into(registry: Registry, actor: Actor, scope: str) -> ScopeFacts:
    facts = scope_facts(registry, scope, actor.name)
    enforce(can(actor, SCOPE_PUBLISH, facts), not_found(scope))
    return facts


def require_org(orgs: OrgStore, actor: Actor, org: str, action: str) -> OrgFacts:
    """An org the actor may act on; 404 for a missing org and for one they are not in."""
    facts = org_facts(orgs, org)
    if facts is None:
        raise _no_org(org)
    return require_on_org(actor, facts, action)


def require_on_org(actor: Actor, facts: OrgFacts, action: str) -> OrgFacts:
    """The same, on facts already loaded (a second action on one org reads nothing again)."""
    enforce(can(actor, action, facts), _no_org(facts.name))
    return facts


def _no_org(org: str) -> OrgNotFoundError:
    return OrgNotFoundError(f"No org {org!r} that you belong to")
