"""`npm token list|create|revoke` (`/-/npm/v1/tokens`), with npm 11's granular tokens.

A token is shown once, at creation; lists show its key (the sha512 hex, whose prefix npm uses as
an id) and only the first characters of the value.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.auth.second_factor import require_account_otp
from chalicelib.auth.service import Actor, check_password, issue_token
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.auth.tokens import token_key
from chalicelib.errors import (
    InvalidPayloadError,
    PermissionDeniedError,
    TokenNotFoundError,
)
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.records import TokenRecord

PERMISSIONS = ("read-only", "read-write", "no-access")
MAX_EXPIRY_DAYS = 365
_KEY = re.compile(r"^[0-9a-f]{128}$")


def list_tokens(accounts: AccountStore, actor: Actor) -> dict[str, Any]:
    # The list names every token and where it may be used: the account's business, not that of a
    # read-only token handed to CI or a granular one limited to a few packages.
    require_account_manager(actor)
    tokens = accounts.list_tokens(actor.name)
    # npm reads `urls.next` to page (npm-profile paginate): it must exist, even when empty.
    return {"objects": [_listed(t) for t in tokens], "total": len(tokens), "urls": {}}


def create_token(
    accounts: AccountStore, actor: Actor, body: Any, throttle: LoginThrottle
) -> dict[str, Any]:
    require_account_manager(actor)
    if not isinstance(body, dict) or not isinstance(body.get("password"), str):
        raise InvalidPayloadError("Creating a token needs your password")
    check_password(accounts, actor.name, body["password"], throttle)
    require_account_otp(accounts, actor, throttle)
    grants = _grants(body)
    # npm 10 and older send `readonly: true`; npm 11 sends the permission instead.
    readonly = body.get("readonly") is True or grants.get("permission") == "read-only"
    value = issue_token(
        accounts,
        actor.name,
        readonly=readonly,
        name=_optional_str(body, "name"),
        description=_optional_str(body, "description"),
        cidr_whitelist=_cidrs(body.get("cidr_whitelist")),
        expires=_expiry(body.get("expires")),
        grants=grants,
    )
    record = accounts.get_token(token_key(value))
    assert record is not None  # just written
    return {**_listed(record), "token": value}


def revoke(
    accounts: AccountStore, actor: Actor, key_or_token: str, throttle: LoginThrottle
) -> None:
    """npm sends the full key, or the token itself when it matched by value."""
    require_account_manager(actor)
    key = key_or_token if _KEY.match(key_or_token) else token_key(key_or_token)
    token = accounts.get_token(key)
    if token is None or token.user != actor.name:
        raise TokenNotFoundError("No such token")
    require_account_otp(accounts, actor, throttle)
    accounts.delete_token(key)


def require_account_manager(actor: Actor) -> None:
    """Tokens and profile are managed with a full token (or the password), never with a
    read-only or package-limited one."""
    if actor.readonly or actor.grants:
        raise PermissionDeniedError("This token cannot manage your account")


def _listed(token: TokenRecord) -> dict[str, Any]:
    return {
        "key": token.key,
        "token": token.prefix,
        "name": token.name,
        "description": token.description,
        "created": token.created,
        "updated": token.created,
        "readonly": token.readonly,
        "cidr_whitelist": list(token.cidr_whitelist) or None,
        "expires": token.expires,
        **{k: v for k, v in token.grants.items() if k != "permission"},
        "packages_and_scopes_permission": token.grants.get("permission"),
    }


def _grants(body: dict[str, Any]) -> dict[str, Any]:
    grants: dict[str, Any] = {}
    for field in ("packages", "scopes", "orgs"):
        value = body.get(field)
        if value is not None:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InvalidPayloadError(f"{field} must be a list of names")
            grants[field] = value
    if body.get("packages_all") is True:
        grants["packages_all"] = True
    if body.get("bypass_2fa") is True:
        # An automation token: publishes packages set to `mfa=automation` without a code.
        grants["bypass_2fa"] = True
    for field, key in (
        ("packages_and_scopes_permission", "permission"),
        ("orgs_permission", "orgs_permission"),
    ):
        value = body.get(field)
        if value is not None:
            if value not in PERMISSIONS:
                raise InvalidPayloadError(f"{field} must be one of {', '.join(PERMISSIONS)}")
            grants[key] = value
    return grants


def _cidrs(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidPayloadError("cidr_whitelist must be a list")
    try:
        return tuple(str(ipaddress.ip_network(str(v), strict=False)) for v in value)
    except ValueError as exc:
        raise InvalidPayloadError(f"Invalid CIDR: {exc}") from None


def _expiry(days: Any) -> str | None:
    if days is None:
        return None
    if not isinstance(days, int) or isinstance(days, bool) or not 0 < days <= MAX_EXPIRY_DAYS:
        raise InvalidPayloadError(f"expires must be a whole number of days, 1 to {MAX_EXPIRY_DAYS}")
    when = datetime.now(UTC) + timedelta(days=days)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _optional_str(body: dict[str, Any], field: str) -> str | None:
    value = body.get(field)
    if value is not None and not isinstance(value, str):
        raise InvalidPayloadError(f"{field} must be a string")
    return value
