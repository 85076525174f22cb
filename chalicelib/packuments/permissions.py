"""Who may change a package: its maintainers, through a token allowed to write to it. Orgs and
teams come with their issue."""

from __future__ import annotations

from chalicelib.auth.service import Actor
from chalicelib.errors import PermissionDeniedError
from chalicelib.packuments.names import scope_of
from chalicelib.storage.ports import PackageRecord


def require_writer(actor: Actor, name: str) -> None:
    """Read-only tokens are refused on every write; granular tokens outside their packages."""
    if actor.readonly:
        raise PermissionDeniedError("This token is read-only and cannot change anything")
    if not token_covers(actor, name):
        raise PermissionDeniedError(f"This token is not allowed to change {name}")


def token_covers(actor: Actor, name: str) -> bool:
    grants = actor.grants
    packages, scopes = grants.get("packages") or [], grants.get("scopes") or []
    if not (packages or scopes or grants.get("packages_all")):
        return True  # not limited to packages
    scope = scope_of(name)
    in_scope = scope is not None and any(s.lstrip("@") == scope for s in scopes)
    return bool(grants.get("packages_all")) or name in packages or in_scope


def require_maintainer(package: PackageRecord, actor: Actor) -> None:
    require_writer(actor, package.name)
    if actor.name not in {m.name for m in package.maintainers}:
        raise PermissionDeniedError(
            f"You do not have permission to publish {package.name!r}. "
            "Are you logged in as the correct user?"
        )
