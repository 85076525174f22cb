"""What a read of a package may show, and how: every read of a package, its versions, tarballs
and tags goes through `require_seen`, so a private package answers 404 to whoever may not read
it, and its responses are marked private and carry the plan's notice to those who may."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.acl.guard import require_read
from chalicelib.auth.service import Actor
from chalicelib.billing.plans import standing
from chalicelib.errors import NotFoundError
from chalicelib.packuments.names import scope_of
from chalicelib.registry import Registry
from chalicelib.storage.ports import PackageRecord


@dataclass(frozen=True)
class Seen:
    private: bool  # responses must say `Cache-Control: private`
    notice: str | None = None  # an `npm-notice` for the reader (a plan past due, or lapsed)


PUBLIC = Seen(private=False)


def require_seen(
    registry: Registry,
    actor: Actor | None,
    package: PackageRecord,
    hidden: NotFoundError | None = None,
) -> Seen:
    """`hidden`: what the caller answers for a missing thing (the package's 404 by default)."""
    require_read(registry, actor, package, hidden)
    if package.access != "restricted":
        return PUBLIC
    scope = scope_of(package.name)
    return Seen(private=True, notice=standing(registry, scope).notice() if scope else None)
