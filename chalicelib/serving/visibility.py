"""What a read of a package's documents may show, and how: a packument or a version goes through
`require_seen`, so a private package answers 404 to whoever may not read it, and its documents
are marked private and carry the plan's notice to those who may."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.acl.guard import require_read
from chalicelib.auth.service import Actor
from chalicelib.billing.plans import standing
from chalicelib.packuments.names import scope_of
from chalicelib.registry import Registry
from chalicelib.storage.records import PackageRecord


@dataclass(frozen=True)
class Seen:
    private: bool  # responses must say `Cache-Control: private`
    notice: str | None = None  # an `npm-notice` for the reader (a plan past due, or lapsed)


PUBLIC = Seen(private=False)


def require_seen(registry: Registry, actor: Actor | None, package: PackageRecord) -> Seen:
    """For documents (a packument, a version): the notice rides on them. Tarballs check
    `require_read` alone."""
    require_read(registry, actor, package)
    if package.access != "restricted":
        return PUBLIC
    scope = scope_of(package.name)
    found = standing(registry.billing, registry.settings, scope) if scope else None
    return Seen(private=True, notice=found.notice() if found is not None else None)
