"""`npm access get status` and `npm access set status=…|mfa=…` (`/-/package/{pkg}/visibility`,
`POST /-/package/{pkg}/access`, libnpmaccess)."""

from __future__ import annotations

from typing import Any

from chalicelib.acl.guard import require_read
from chalicelib.auth.service import Actor
from chalicelib.errors import (
    InvalidPayloadError,
    PackageNotFoundError,
)
from chalicelib.packuments.updates import next_rev
from chalicelib.publish.access import access_for_existing
from chalicelib.registry import Registry
from chalicelib.storage.records import PackageRecord, VersionRecord
from chalicelib.writes.pipeline import change_package

MFA_LEVELS = ("none", "publish", "automation")


def visibility(registry: Registry, actor: Actor | None, name: str) -> dict[str, bool]:
    package = registry.packages.get_package(name)
    if package is None or package.tombstone is not None:
        raise PackageNotFoundError(f"'{name}' is not in this registry")
    require_read(registry, actor, package)
    return {"public": package.access == "public"}


def set_access(
    registry: Registry, actor: Actor, name: str, body: Any, base_url: str
) -> PackageRecord:
    """One POST carries either `{access}` (status) or the two mfa flags (libnpmaccess)."""
    if not isinstance(body, dict):
        raise InvalidPayloadError("The body must be a JSON object")
    if "access" in body:
        wanted = body["access"]
        if wanted not in ("public", "restricted"):
            raise InvalidPayloadError("access must be public or restricted")

        def status(package: PackageRecord, versions: list[VersionRecord]) -> PackageRecord:
            # Turning private needs the scope's plan (402); turning public never does.
            access = access_for_existing(registry, package, wanted, publishing=False)
            return package if access == package.access else next_rev(package, access=access)

        return change_package(registry, actor, name, status, base_url=base_url)
    level = _mfa_level(body)

    def mfa(package: PackageRecord, versions: list[VersionRecord]) -> PackageRecord:
        return package if package.mfa == level else next_rev(package, mfa=level)

    return change_package(registry, actor, name, mfa, base_url=base_url)


def _mfa_level(body: dict[str, Any]) -> str:
    requires = body.get("publish_requires_tfa")
    if requires is False:
        return "none"
    if requires is True:
        return "automation" if body.get("automation_token_overrides_tfa") is True else "publish"
    raise InvalidPayloadError("Send access, or publish_requires_tfa")
