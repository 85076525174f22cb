"""`npm trust github|gitlab|list|revoke`: a package's trusted publishers, in npm's shape
(lib/trust-cmd.js and lib/commands/trust/*.js).

- `POST /-/package/{pkg}/trust` with a list of `{type, claims, permissions}`; the answer is the
  list made, each with its `id`.
- `GET /-/package/{pkg}/trust`: the list. `DELETE /-/package/{pkg}/trust/{id}`.

Only the package's writers may see or change them (they name the CI that may publish it), with
a one-time password where the writer's account asks for one on writes.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import asdict
from typing import Any

from chalicelib.acl.guard import not_found, require_token_may_write, require_write
from chalicelib.acl.policy import PUBLISH_PERMISSION, STAGE_PERMISSION
from chalicelib.auth.second_factor import require_write_otp
from chalicelib.auth.service import Actor
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.clock import now_iso
from chalicelib.errors import InvalidPayloadError, NotFoundError
from chalicelib.registry import Registry
from chalicelib.storage.records import JSON, PackageRecord, TrustedPublisher

PERMISSIONS = (PUBLISH_PERMISSION, STAGE_PERMISSION)
# Enough for a package built by a few workflows; a list npm prints in full.
MAX_PER_PACKAGE = 10
_WORKFLOW_FILE = re.compile(r"[^/\\]+\.ya?ml")
_GITHUB_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_GITLAB_PROJECT = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+")
_ENVIRONMENT = re.compile(r"[^\x00-\x1f]{1,255}")


def add_trusted(registry: Registry, actor: Actor, name: str, body: Any) -> list[dict[str, Any]]:
    package = _writable(registry, actor, name)
    if not isinstance(body, list) or not body:
        raise InvalidPayloadError("Send a list of trust configurations")
    made = [_publisher(package.name, item, actor.name) for item in body]
    stored = registry.trust.trusted_publishers(package.name)
    if len(stored) + len(made) > MAX_PER_PACKAGE:
        raise InvalidPayloadError(
            f"A package has at most {MAX_PER_PACKAGE} trusted publishers; revoke one first"
        )
    registry.trust.add_trusted_publishers(package.name, made)
    return [shown(p) for p in made]


def list_trusted(registry: Registry, actor: Actor, name: str) -> list[dict[str, Any]]:
    package = _writable(registry, actor, name, otp=False)
    return [shown(p) for p in registry.trust.trusted_publishers(package.name)]


def revoke_trusted(registry: Registry, actor: Actor, name: str, id: str) -> None:
    package = _writable(registry, actor, name)
    if not registry.trust.remove_trusted_publisher(package.name, id):
        raise NotFoundError(f"{name} has no trusted publisher {id}")


def shown(publisher: TrustedPublisher) -> dict[str, Any]:
    """As npm prints it (`bodyToOptions`): id, type, claims, permissions."""
    fields = asdict(publisher)
    return {k: fields[k] for k in ("id", "type", "claims", "permissions", "created", "creator")}


def _writable(registry: Registry, actor: Actor, name: str, *, otp: bool = True) -> PackageRecord:
    require_token_may_write(actor, name)
    package = registry.packages.get_package(name)
    if package is None or package.tombstone is not None:
        raise not_found(name)
    require_write(registry, actor, package)
    if otp:
        require_write_otp(
            registry.accounts, actor, LoginThrottle(registry.ephemeral, actor.client_ip)
        )
    return package


def _publisher(package: str, item: Any, creator: str) -> TrustedPublisher:
    if not isinstance(item, dict):
        raise InvalidPayloadError("A trust configuration must be an object")
    kind = item.get("type")
    claims = item.get("claims")
    if not isinstance(claims, dict):
        raise InvalidPayloadError("A trust configuration needs its claims")
    if kind == "github":
        checked = _github(claims)
    elif kind == "gitlab":
        checked = _gitlab(claims)
    else:
        raise InvalidPayloadError(
            f"Trusted publishing from {kind!r} is not supported here: use github or gitlab"
        )
    return TrustedPublisher(
        id=secrets.token_hex(8),
        package=package,
        type=str(kind),
        claims=checked,
        permissions=_permissions(item.get("permissions")),
        created=now_iso(),
        creator=creator,
    )


def _github(claims: JSON) -> JSON:
    repository = _matching(claims.get("repository"), _GITHUB_REPOSITORY, "repository (owner/repo)")
    file = _matching(
        (claims.get("workflow_ref") or {}).get("file"), _WORKFLOW_FILE, "workflow file (*.yml)"
    )
    return {"repository": repository, "workflow_ref": {"file": file}, **_environment(claims)}


def _gitlab(claims: JSON) -> JSON:
    project = _matching(claims.get("project_path"), _GITLAB_PROJECT, "project (group/project)")
    file = _matching(
        (claims.get("ci_config_ref_uri") or {}).get("file"), _WORKFLOW_FILE, "CI file (*.yml)"
    )
    return {"project_path": project, "ci_config_ref_uri": {"file": file}, **_environment(claims)}


def _environment(claims: JSON) -> JSON:
    environment = claims.get("environment")
    if environment is None:
        return {}
    return {"environment": _matching(environment, _ENVIRONMENT, "environment")}


def _permissions(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not set(value) <= set(PERMISSIONS):
        raise InvalidPayloadError(f"permissions must name some of {', '.join(PERMISSIONS)}")
    return tuple(p for p in PERMISSIONS if p in value)


def _matching(value: Any, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidPayloadError(f"A trust configuration needs a valid {what}, not {value!r}")
    return value
