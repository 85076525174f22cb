"""The hooks API, as libnpmhook 10 calls it:

    POST   /-/npm/v1/hooks/hook        {type, name, endpoint, secret}  -> the hook
    GET    /-/npm/v1/hooks?package=&limit=&offset=                  -> {objects: […]}
    GET    /-/npm/v1/hooks/hook/{id}                                -> the hook
    PUT    /-/npm/v1/hooks/hook/{id}   {endpoint, secret}           -> the hook
    DELETE /-/npm/v1/hooks/hook/{id}                                -> the hook

A hook belongs to the user who made it, and only they see or change it (anyone else: 404, as
for a missing one). Granular tokens, which reach only the packages they name, cannot use the
hooks API at all (a hook and its delivery log concern any package); read-only tokens can read
it. Under `auth-and-writes` two-factor auth, adding, changing or removing a hook needs a
one-time password, as a package write does: a hook sends the package's changes elsewhere. A
hook on a package or scope its owner may not read is refused with the 404 a missing package
gets. The secret is never answered back.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from chalicelib.acl.guard import may_read, not_found, require_token_may_write
from chalicelib.acl.policy import granular
from chalicelib.auth.second_factor import require_write_otp
from chalicelib.auth.service import Actor
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.clock import now_iso
from chalicelib.errors import (
    InvalidPayloadError,
    InvalidQueryError,
    NotFoundError,
    PermissionDeniedError,
)
from chalicelib.hooks.endpoints import check_endpoint
from chalicelib.numbers import is_whole_number
from chalicelib.registry import Registry
from chalicelib.settings import Settings
from chalicelib.storage.ports.hooks import HookStore
from chalicelib.storage.records import JSON, HookRecord

KINDS = ("package", "scope", "owner")
MAX_HOOKS = 100


class HookNotFoundError(NotFoundError):
    """No hook with that id, or not the caller's."""


def _require_account_token(actor: Actor) -> None:
    if granular(actor):
        raise PermissionDeniedError(
            "A granular token cannot use hooks: use a login or a classic token"
        )


def _require_writer(registry: Registry, actor: Actor) -> None:
    _require_account_token(actor)
    require_token_may_write(actor, "")  # a classic token: only a read-only one is refused
    throttle = LoginThrottle(registry.ephemeral, actor.client_ip)
    require_write_otp(registry.accounts, actor, throttle)


def add_hook(registry: Registry, actor: Actor, body: Any) -> JSON:
    _require_writer(registry, actor)
    fields = _fields(body, "type", "name", "endpoint", "secret")
    kind, name = fields["type"], fields["name"].strip()
    if kind not in KINDS:
        raise InvalidPayloadError(f"type must be one of {', '.join(KINDS)}")
    endpoint = _endpoint(registry.settings, fields["endpoint"])
    _check_target(registry, actor, kind, name)
    if len(registry.hooks.hooks_of(actor.name)) >= MAX_HOOKS:
        raise InvalidPayloadError(f"a user may have at most {MAX_HOOKS} hooks")
    now = now_iso()
    hook = HookRecord(
        id=secrets.token_hex(8),
        owner=actor.name,
        type=kind,
        name=name.lstrip("@") if kind == "scope" else name.lstrip("~"),
        endpoint=endpoint,
        secret=fields["secret"],
        created=now,
        updated=now,
    )
    registry.hooks.create_hook(hook)
    return hook_object(registry.hooks, hook)


def list_hooks(hooks: HookStore, actor: Actor, query: Mapping[str, str]) -> JSON:
    _require_account_token(actor)
    mine = hooks.hooks_of(actor.name)
    wanted = query.get("package")
    if wanted:
        mine = [h for h in mine if h.name == wanted.lstrip("@~") or h.name == wanted]
    offset, limit = _whole(query, "offset", 0), _whole(query, "limit", MAX_HOOKS)
    page = mine[offset : offset + limit]
    return {"objects": [hook_object(hooks, h) for h in page], "total": len(mine)}


def get_hook(hooks: HookStore, actor: Actor, hook_id: str) -> JSON:
    return hook_object(hooks, _own(hooks, actor, hook_id))


def update_hook(registry: Registry, actor: Actor, hook_id: str, body: Any) -> JSON:
    _require_writer(registry, actor)
    hook = _own(registry.hooks, actor, hook_id)
    fields = _fields(body, "endpoint")
    secret = body.get("secret") if isinstance(body.get("secret"), str) else hook.secret
    changed = replace(
        hook,
        endpoint=_endpoint(registry.settings, fields["endpoint"]),
        secret=secret or hook.secret,
        updated=now_iso(),
    )
    registry.hooks.replace_hook(changed)
    return hook_object(registry.hooks, changed)


def remove_hook(registry: Registry, actor: Actor, hook_id: str) -> JSON:
    _require_writer(registry, actor)
    hook = _own(registry.hooks, actor, hook_id)
    registry.hooks.delete_hook(hook.id)
    return {**hook_object(registry.hooks, hook), "deleted": True}


def hook_object(hooks: HookStore, hook: HookRecord) -> JSON:
    """npm's hook object: the last delivery's outcome with it."""
    last = next(iter(hooks.deliveries_of(hook.id, 1)), None)
    attempt = last.log[-1] if last is not None and last.log else None
    return {
        "id": hook.id,
        "username": hook.owner,
        "name": hook.name,
        "endpoint": hook.endpoint,
        "type": hook.type,
        "created": hook.created,
        "updated": hook.updated,
        "deleted": False,
        "delivered": last is not None and last.status == "delivered",
        "last_delivery": attempt["time"] if attempt else None,
        "response_code": attempt.get("status", 0) if attempt else 0,
        "status": "active",
    }


def delivery_log(hooks: HookStore, actor: Actor, hook_id: str) -> JSON:
    hook = _own(hooks, actor, hook_id)
    return {
        "objects": [
            {
                "id": d.id,
                "name": json.loads(d.payload).get("name"),
                "event": d.event,
                "status": d.status,
                "attempts": d.attempts,
                "created": d.created,
                "log": list(d.log),
            }
            for d in hooks.deliveries_of(hook.id, 100)
        ]
    }


def _own(hooks: HookStore, actor: Actor, hook_id: str) -> HookRecord:
    _require_account_token(actor)
    hook = hooks.get_hook(hook_id)
    if hook is None or hook.owner != actor.name:
        raise HookNotFoundError(f"no hook {hook_id}")
    return hook


def _check_target(registry: Registry, actor: Actor, kind: str, name: str) -> None:
    if not name:
        raise InvalidPayloadError("a hook needs the name of a package, a scope or an owner")
    if kind == "package":
        package = registry.packages.get_package(name)
        if package is None or not may_read(registry, actor, package):
            raise not_found(name)
    elif kind == "owner" and registry.accounts.get_user(name.lstrip("~")) is None:
        raise InvalidPayloadError(f"no user {name.lstrip('~')}")


def _endpoint(settings: Settings, value: str) -> str:
    check_endpoint(value, allow_private=settings.hook_private_endpoints)
    return value


def _fields(body: Any, *names: str) -> dict[str, str]:
    if not isinstance(body, dict):
        raise InvalidPayloadError("the body must be a JSON object")
    missing = [n for n in names if not isinstance(body.get(n), str) or not body.get(n)]
    if missing:
        raise InvalidPayloadError(f"missing {', '.join(missing)}")
    return {n: str(body[n]) for n in names}


def _whole(query: Mapping[str, str], name: str, default: int) -> int:
    value = query.get(name)
    if value is None:
        return default
    if not is_whole_number(value):
        raise InvalidQueryError(f"{name} must be a whole number")
    return int(value)
