"""Who may publish what, and with which access: scopes, maintainers, and npm's default of
private for scoped packages (which needs a paid plan, not built yet: 402, as npmjs answers)."""

from __future__ import annotations

from chalicelib.auth.service import Actor
from chalicelib.errors import (
    InvalidPayloadError,
    PaymentRequiredError,
    PermissionDeniedError,
    ScopeClaimedError,
)
from chalicelib.orgs.grants import require_may_write
from chalicelib.orgs.service import create_org
from chalicelib.packuments.names import require_valid_name, scope_of
from chalicelib.packuments.permissions import require_writer
from chalicelib.publish.payload import PublishRequest
from chalicelib.registry import Registry
from chalicelib.storage.ports import PackageRecord, ScopeRecord

PRIVATE_NEEDS_PLAN = "You must sign up for private packages"
RESTRICTED_UNSCOPED = "Can't restrict access to unscoped packages."


def may_publish(
    registry: Registry, actor: Actor, request: PublishRequest, package: PackageRecord | None
) -> None:
    """The permission and name checks on `package` as just read, done before anything is stored
    (and again, against the latest state, when the version is written)."""
    if package is not None and package.tombstone is None:
        require_writer(actor, package.name)
        require_may_write(registry, package, actor)
        access_for_existing(package, request.access)
        return
    require_valid_name(request.name, new=True)
    _unclaimed_scope(registry, actor, request)


def access_for_new(registry: Registry, actor: Actor, request: PublishRequest) -> str:
    """The access of a new package, claiming its scope for the publisher if nobody owns it."""
    unclaimed = _unclaimed_scope(registry, actor, request)
    if unclaimed is not None:
        _claim_scope(registry, unclaimed, actor)
    return "public"


def access_for_existing(package: PackageRecord, access: str | None) -> str:
    if access is None or access == package.access:
        return package.access
    if access == "restricted":
        if scope_of(package.name) is None:
            raise InvalidPayloadError(RESTRICTED_UNSCOPED)
        raise PaymentRequiredError(PRIVATE_NEEDS_PLAN)
    return access


def _unclaimed_scope(registry: Registry, actor: Actor, request: PublishRequest) -> str | None:
    """Raise unless `actor` may create this package; return its scope if nobody owns it yet."""
    scope = scope_of(request.name)
    if scope is None:
        if request.access == "restricted":
            raise InvalidPayloadError(RESTRICTED_UNSCOPED)
        return None
    record = registry.accounts.get_scope(scope)
    if record is not None and not _may_publish_into(registry, record, actor):
        raise PermissionDeniedError(
            f"You do not have permission to publish into the scope @{scope}"
        )
    # npm: "All scoped packages default to private" -- and private needs a paid plan.
    if request.access != "public":
        raise PaymentRequiredError(PRIVATE_NEEDS_PLAN)
    return scope if record is None else None


def _may_publish_into(registry: Registry, scope: ScopeRecord, actor: Actor) -> bool:
    """A user's own scope; an org's scope for any of its members (developers publish)."""
    if scope.kind == "org":
        return actor.name in registry.orgs.members(scope.owner)
    return scope.owner == actor.name


def _claim_scope(registry: Registry, scope: str, actor: Actor) -> None:
    if not registry.settings.scope_claiming:
        raise PermissionDeniedError(
            f"The scope @{scope} has no owner and this registry does not let publishers claim it"
        )
    # The claimed scope becomes an org, with the publisher as its owner.
    try:
        create_org(registry, scope, actor.name)
    except ScopeClaimedError:
        record = registry.accounts.get_scope(scope)
        if record is None or not _may_publish_into(registry, record, actor):
            raise PermissionDeniedError(
                f"You do not have permission to publish into the scope @{scope}"
            ) from None
