"""Who is asking: `Authorization: Bearer <token>` or `Basic <base64 user:password>`.

Basic credentials cost an Argon2id hash (~160 ms, 64 MiB) to check. Clients configured with
`_auth` send them on every packument and tarball request, so a verified pair is remembered for a
short while, keyed by a hash of the pair (never the password itself).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime

from chalicelib.auth.second_factor import active_mode, require_login_otp
from chalicelib.auth.service import PASSWORD, TRUSTED_PUBLISHER, Actor, check_password
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.auth.tokens import token_key
from chalicelib.clock import parse_iso
from chalicelib.errors import (
    AuthenticationRequiredError,
    IpAddressNotAllowedError,
)
from chalicelib.storage.ports.accounts import AccountStore

BASIC_CACHE_SECONDS = 60.0
BASIC_CACHE_SIZE = 1024
_basic_cache: dict[str, tuple[float, Actor, str]] = {}
_basic_lock = threading.Lock()


def authenticate(
    accounts: AccountStore,
    authorization: str | None,
    *,
    client_ip: str = "",
    throttle: LoginThrottle,
    otp: str | None = None,
) -> Actor | None:
    """The request's actor; None when it sent no credentials.

    Bad credentials raise: npm tells "your token seems to be invalid" only on a 401.
    """
    if not authorization:
        return None
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        return replace(
            _bearer(accounts, credentials.strip(), client_ip), otp=otp, client_ip=client_ip
        )
    if scheme.lower() == "basic":
        found = _basic(accounts, credentials.strip(), otp, throttle)
        return replace(found, otp=otp, client_ip=client_ip)
    raise AuthenticationRequiredError(f"Unsupported authorization scheme {scheme!r}")


def _bearer(accounts: AccountStore, value: str, client_ip: str) -> Actor:
    token = accounts.get_token(token_key(value)) if value else None
    user = accounts.get_user(token.user) if token else None
    if token is None or user is None or _expired(token.expires):
        raise AuthenticationRequiredError("Invalid, expired or revoked token: run `npm login`")
    if token.cidr_whitelist and not _allowed(client_ip, token.cidr_whitelist):
        raise IpAddressNotAllowedError(f"This token may not be used from {client_ip or 'here'}")
    return Actor(
        user.name,
        user.email,
        token.readonly,
        grants=dict(token.grants),
        # A CI proves itself with its OIDC ID token: trusted publishing asks for no one-time
        # password (npm docs, "Trusted publishing for npm packages").
        tfa_mode=None if TRUSTED_PUBLISHER in token.grants else active_mode(user),
    )


def _expired(expires: str | None) -> bool:
    if not expires:
        return False
    return parse_iso(expires) <= datetime.now(UTC)


def _allowed(client_ip: str, cidrs: tuple[str, ...]) -> bool:
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _basic(
    accounts: AccountStore, credentials: str, otp: str | None, throttle: LoginThrottle
) -> Actor:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationRequiredError("Malformed Basic credentials") from None
    name, sep, password = decoded.partition(":")
    if not sep:
        raise AuthenticationRequiredError("Malformed Basic credentials")
    cache_key = hashlib.sha256(decoded.encode()).hexdigest()
    cached = _cached(cache_key)
    if cached is not None:
        # One cheap read keeps the cache honest across Lambda containers: a password or
        # two-factor change moves `updated`, and the remembered pair no longer counts.
        current = accounts.get_user(cached[0].name)
        if current is not None and current.updated == cached[1]:
            return cached[0]
    user = check_password(accounts, name, password, throttle)
    # A password alone is not enough for a two-factor account: every Basic request needs a code.
    require_login_otp(accounts, user, otp, throttle)
    actor = Actor(user.name, user.email, via=PASSWORD, tfa_mode=active_mode(user))
    if actor.tfa_mode is None:
        _remember(cache_key, actor, user.updated)
    return actor


def _cached(key: str) -> tuple[Actor, str] | None:
    with _basic_lock:
        entry = _basic_cache.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1], entry[2]


def _remember(key: str, actor: Actor, updated: str) -> None:
    with _basic_lock:
        if len(_basic_cache) >= BASIC_CACHE_SIZE:
            _basic_cache.clear()
        _basic_cache[key] = (time.monotonic() + BASIC_CACHE_SECONDS, actor, updated)


def forget_basic_credentials() -> None:
    """Drop remembered passwords (a password change, and tests)."""
    with _basic_lock:
        _basic_cache.clear()
