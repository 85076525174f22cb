"""Who may change a package. Ownership only, for now; orgs and teams come with their issue."""

from __future__ import annotations

from chalicelib.auth.service import Actor
from chalicelib.errors import PermissionDeniedError
from chalicelib.storage.ports import PackageRecord


def require_writer(actor: Actor) -> None:
    if actor.readonly:
        raise PermissionDeniedError("This token is read-only and cannot change packages")


def require_maintainer(package: PackageRecord, actor: Actor) -> None:
    require_writer(actor)
    if actor.name not in {m.name for m in package.maintainers}:
        raise PermissionDeniedError(
            f"You do not have permission to publish {package.name!r}. "
            "Are you logged in as the correct user?"
        )
