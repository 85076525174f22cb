"""Advisories from a package's own writers: `PUT /-/npm/v1/security/advisories/{id}` with an OSV
document. The operator imports the public databases (`tarbox advisories import`); a private
package is in none of them, so whoever may publish it may also warn its users, and `npm audit`
tells its readers. Only writers of every npm package the document names may put it, and every
one of those packages must be in this registry: nobody may raise an alarm on another's package.
"""

from __future__ import annotations

from typing import Any

from chalicelib.acl.guard import not_found, require_token_may_write, require_write
from chalicelib.audit.osv import advisories_from_osv
from chalicelib.auth.second_factor import require_write_otp
from chalicelib.auth.service import Actor
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.errors import InvalidPayloadError
from chalicelib.registry import Registry


def put_advisory(registry: Registry, actor: Actor, advisory_id: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or body.get("id") != advisory_id:
        raise InvalidPayloadError(f"The body must be an OSV advisory with the id {advisory_id!r}")
    advisories = advisories_from_osv(body)
    if not advisories:
        raise InvalidPayloadError("The advisory names no npm package and no version")
    for advisory in advisories:
        require_token_may_write(actor, advisory.package)
        package = registry.packages.get_package(advisory.package)
        if package is None or package.tombstone is not None:
            raise not_found(advisory.package)
        require_write(registry, actor, package)
    require_write_otp(registry.accounts, actor, LoginThrottle(registry.ephemeral, actor.client_ip))
    registry.advisories.put_advisories(advisories)
    return {"id": advisory_id, "packages": sorted({a.package for a in advisories})}
