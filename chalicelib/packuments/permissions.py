"""What a token may write. Who may write a package (maintainers, org owners, read-write teams)
is `orgs/grants.py`."""

from __future__ import annotations

from chalicelib.auth.service import Actor
from chalicelib.errors import PermissionDeniedError
from chalicelib.packuments.names import scope_of


def require_writer(actor: Actor, name: str) -> None:
    """Read-only tokens are refused on every write; granular tokens outside their packages."""
    if actor.readonly:
        raise PermissionDeniedError("This token is read-only and cannot change anything")
    if not token_covers(actor, name):
        raise PermissionDeniedError(f"This token is not allowed to change {name}")


def token_covers(actor: Actor, name: str) -> bool:
    """Whether the token may write `name`. A classic token (no grants) may; a granular one only
    for the packages and scopes it names, with read-write permission. A granular token that
    names no packages (only orgs, or `no-access`) writes none."""
    grants = actor.grants
    if not grants or set(grants) <= {"bypass_2fa"}:
        return True
    if grants.get("permission", "read-write") != "read-write":
        return False
    packages, scopes = grants.get("packages") or [], grants.get("scopes") or []
    scope = scope_of(name)
    in_scope = scope is not None and any(s.lstrip("@") == scope for s in scopes)
    return bool(grants.get("packages_all")) or name in packages or in_scope
