"""Who may publish what, and with which access: scopes, writers, and npm's default of private for
scoped packages, which needs a plan for the scope's owner (`billing/plans.py`)."""

from __future__ import annotations

from chalicelib.acl.facts import facts_for
from chalicelib.acl.guard import enforce, not_found, require_publish_into
from chalicelib.acl.policy import HIDDEN, PACKAGE_WRITE, PackageFacts, can
from chalicelib.auth.second_factor import require_login_otp
from chalicelib.auth.service import Actor, validate_new_user
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.billing.plans import Standing, require_private_plan
from chalicelib.errors import (
    InvalidPayloadError,
    OtpRequiredError,
    PermissionDeniedError,
    ScopeClaimedError,
)
from chalicelib.orgs.service import create_org
from chalicelib.packuments.names import require_valid_name, scope_of
from chalicelib.publish.payload import PublishRequest
from chalicelib.registry import Registry
from chalicelib.settings import Settings
from chalicelib.storage.records import PackageRecord

PUBLIC, RESTRICTED = "public", "restricted"
RESTRICTED_UNSCOPED = "Can't restrict access to unscoped packages."


def may_publish(
    registry: Registry, actor: Actor, request: PublishRequest, package: PackageRecord | None
) -> Standing | None:
    """The permission, name and plan checks on `package` as just read, done before anything is
    stored (and again, against the latest state, when the version is written). The plan's
    standing when the package is private (its notice goes back to the publisher)."""
    if package is not None and package.tombstone is None:
        require_publisher(registry, actor, package)
        return _access(registry, package, request.access, publishing=True)[1]
    require_valid_name(request.name, new=True)
    return _check_new(registry, actor, request)[2]


def require_publisher(registry: Registry, actor: Actor, package: PackageRecord) -> PackageFacts:
    """May `actor` publish into this existing package? Someone who may not even see it is
    answered as a new name in its scope would answer them, so a private package's existence
    does not leak through a publish."""
    facts = facts_for(registry, package, actor)
    decision = can(actor, PACKAGE_WRITE, facts)
    if decision.refusal == HIDDEN:
        scope = scope_of(package.name)
        if scope is not None:
            require_publish_into(registry, actor, scope)
        raise PermissionDeniedError(
            f"You do not have permission to publish {package.name!r}. "
            "Are you logged in as the correct user?"
        )
    enforce(decision, not_found(package.name))
    return facts


def access_for_new(registry: Registry, actor: Actor, request: PublishRequest) -> str:
    """The access of a new package, claiming its scope for the publisher if nobody owns it."""
    access, unclaimed, _ = _check_new(registry, actor, request)
    if unclaimed is not None:
        _claim_scope(registry, unclaimed, actor)
    return access


def access_for_existing(
    registry: Registry, package: PackageRecord, wanted: str | None, *, publishing: bool
) -> str:
    """The access after a publish (`publishing`) or `npm access set status`. A private package
    takes new versions, and a package turns private, only while its scope's plan allows."""
    return _access(registry, package, wanted, publishing=publishing)[0]


def _access(
    registry: Registry, package: PackageRecord, wanted: str | None, *, publishing: bool
) -> tuple[str, Standing | None]:
    access = package.access if wanted is None else wanted
    scope = scope_of(package.name)
    if access == RESTRICTED:
        if scope is None:
            raise InvalidPayloadError(RESTRICTED_UNSCOPED)
        if publishing or package.access != RESTRICTED:
            return access, require_private_plan(registry.billing, registry.settings, scope)
    return access, None


def requested_access(request: PublishRequest, package: PackageRecord | None) -> str:
    """The access a publish asks for: what it says, else the package's own, else npm's default
    for a new name: "All scoped packages default to private" (libnpmpublish sends access null)."""
    if request.access is not None:
        return request.access
    if package is not None and package.tombstone is None:
        return package.access
    return RESTRICTED if scope_of(request.name) is not None else PUBLIC


def _check_new(
    registry: Registry, actor: Actor, request: PublishRequest
) -> tuple[str, str | None, Standing | None]:
    """(access, the scope to claim, the plan's standing when private) for a new package;
    raises unless `actor` may create it."""
    scope = scope_of(request.name)
    if scope is None:
        if request.access == RESTRICTED:
            raise InvalidPayloadError(RESTRICTED_UNSCOPED)
        return PUBLIC, None, None
    owner = require_publish_into(registry, actor, scope).owner
    if owner is None:
        _require_claimable(registry.settings, scope)  # before the tarball is stored, not after
    access = requested_access(request, None)
    # an unclaimed scope has no plan: 402
    plan = (
        require_private_plan(registry.billing, registry.settings, scope)
        if access == RESTRICTED
        else None
    )
    return access, scope if owner is None else None, plan


def _require_claimable(settings: Settings, scope: str) -> None:
    if not settings.scope_claiming:
        raise PermissionDeniedError(
            f"The scope @{scope} has no owner and this registry does not let publishers claim it"
        )
    validate_new_user(scope, "org@example.com", "-")  # the org it becomes: create_org's rules


def _claim_scope(registry: Registry, scope: str, actor: Actor) -> None:
    _require_claimable(registry.settings, scope)
    # The claimed scope becomes an org, with the publisher as its owner.
    try:
        create_org(registry.orgs, registry.accounts, scope, actor.name)
    except ScopeClaimedError:
        # Someone claimed it first: publish into it only if they let this publisher in.
        require_publish_into(registry, actor, scope)


def require_publish_mfa(registry: Registry, package: PackageRecord | None, actor: Actor) -> None:
    """A package with mfa=publish|automation needs a second factor on every publish; with
    automation, a token created with --bypass-2fa is enough; a trusted publisher's always is."""
    if package is None or package.mfa == "none":
        return
    if package.mfa == "automation" and actor.grants.get("bypass_2fa") is True:
        return
    # npm's "require 2FA and disallow tokens" still lets the package's trusted publishers in.
    if actor.trusted_publisher is not None or actor.otp_checked:
        return
    user = registry.accounts.get_user(actor.name)
    if actor.tfa_mode is None or user is None:
        raise PermissionDeniedError(
            f"Publishing {package.name} requires two-factor authentication: "
            "turn it on with `npm profile enable-2fa`"
        )
    try:
        require_login_otp(
            registry.accounts, user, actor.otp, LoginThrottle(registry.ephemeral, actor.client_ip)
        )
    except OtpRequiredError:
        raise OtpRequiredError(f"Publishing {package.name} requires a one-time password") from None
