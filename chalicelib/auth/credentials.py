"""Who is asking: `Authorization: Bearer <token>` or `Basic <base64 user:password>`.

Basic credentials cost an Argon2id hash (~160 ms, 64 MiB) to check. Clients configured with
`_auth` send them on every packument and tarball request, so a verified pair is remembered for a
short while, keyed by a hash of the pair (never the password itself).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
import time

from chalicelib.auth.service import PASSWORD, Actor, check_password
from chalicelib.auth.tokens import token_key
from chalicelib.errors import AuthenticationRequiredError, UserNotFoundError
from chalicelib.storage.ports import AccountStore

BASIC_CACHE_SECONDS = 60.0
BASIC_CACHE_SIZE = 1024
_basic_cache: dict[str, tuple[float, Actor]] = {}
_basic_lock = threading.Lock()


def authenticate(accounts: AccountStore, authorization: str | None) -> Actor | None:
    """The request's actor; None when it sent no credentials.

    Bad credentials raise: npm tells "your token seems to be invalid" only on a 401.
    """
    if not authorization:
        return None
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        return _bearer(accounts, credentials.strip())
    if scheme.lower() == "basic":
        return _basic(accounts, credentials.strip())
    raise AuthenticationRequiredError(f"Unsupported authorization scheme {scheme!r}")


def _bearer(accounts: AccountStore, value: str) -> Actor:
    token = accounts.get_token(token_key(value)) if value else None
    user = accounts.get_user(token.user) if token else None
    if token is None or user is None:
        raise AuthenticationRequiredError("Invalid or revoked token: run `npm login`")
    return Actor(user.name, user.email, token.readonly)


def _basic(accounts: AccountStore, credentials: str) -> Actor:
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
        return cached
    try:
        user = check_password(accounts, name, password)
    except UserNotFoundError:
        raise AuthenticationRequiredError("Incorrect username or password") from None
    actor = Actor(user.name, user.email, via=PASSWORD)
    _remember(cache_key, actor)
    return actor


def _cached(key: str) -> Actor | None:
    with _basic_lock:
        entry = _basic_cache.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]


def _remember(key: str, actor: Actor) -> None:
    with _basic_lock:
        if len(_basic_cache) >= BASIC_CACHE_SIZE:
            _basic_cache.clear()
        _basic_cache[key] = (time.monotonic() + BASIC_CACHE_SECONDS, actor)


def forget_basic_credentials() -> None:
    """Drop remembered passwords (a password change, and tests)."""
    with _basic_lock:
        _basic_cache.clear()
