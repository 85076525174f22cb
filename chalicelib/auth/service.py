"""Use cases for accounts: add a user, check a password, issue and revoke tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chalicelib.auth.passwords import hash_password, verify_password
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.auth.tokens import new_token_value, token_key
from chalicelib.clock import now_iso
from chalicelib.errors import (
    AuthenticationRequiredError,
    IncorrectPasswordError,
    InvalidPayloadError,
)
from chalicelib.packuments.names import check_name
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.records import TokenRecord, UserRecord

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_PASSWORD_LENGTH = 1024
TOKEN = "token"  # noqa: S105 - how the actor proved who they are
# The grant of a token from trusted publishing's exchange (trust/exchange.py): the publisher it
# came from, and what it may do ("createPackage", "createStagedPackage").
TRUSTED_PUBLISHER = "trusted_publisher"
PASSWORD = "password"  # noqa: S105 - ditto


@dataclass(frozen=True)
class Actor:
    """Who a request acts as, and how they proved it (a token, or their password)."""

    name: str
    email: str
    readonly: bool = False
    via: str = TOKEN
    # A granular token's limits ({"packages", "scopes", "packages_all", …}); {} for none.
    grants: dict[str, Any] = field(default_factory=dict)
    tfa_mode: str | None = None  # the user's enforced two-factor mode
    otp: str | None = None  # the `npm-otp` header of this request
    client_ip: str = ""  # where the request came from: one-time-password guesses are counted by it
    # Its one-time password was checked already in this request (`npm stage approve` checks it,
    # then publishes): a recovery code works once, so it is not checked twice.
    otp_checked: bool = False

    @property
    def trusted_publisher(self) -> dict[str, Any] | None:
        """`{id, oidcConfigId, permissions}` when a CI's trusted publisher is acting."""
        found = self.grants.get(TRUSTED_PUBLISHER)
        return found if isinstance(found, dict) else None


def validate_new_user(name: str, email: str, password: str) -> None:
    # A user name becomes a scope (@name), so it follows the package-name rules too.
    check = check_name(name)
    if not name or check.errors or check.warnings or "/" in name or name.startswith("@"):
        raise InvalidPayloadError(
            f"Invalid user name {name!r}: use lower case, URL-safe characters"
        )
    if not _EMAIL.match(email):
        raise InvalidPayloadError(f"Invalid email address {email!r}")
    if not password or len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidPayloadError("A password is required")


def add_user(accounts: AccountStore, name: str, email: str, password: str) -> str:
    """Create an account and return a new session token. UserExistsError if the name is taken."""
    validate_new_user(name, email, password)
    accounts.create_user(UserRecord(name, email, hash_password(password), now_iso()))
    return issue_token(accounts, name)


def check_password(
    accounts: AccountStore, name: str, password: str, throttle: LoginThrottle | None = None
) -> UserRecord:
    """The user, if `password` is theirs. A name with no account gets the same answer as a wrong
    password, after the same work, so neither the answer nor its timing tells who has one."""
    if throttle is not None:
        throttle.attempt(name)
    user = accounts.get_user(name)
    stored = user.password_hash if user is not None else _dummy_hash()
    if not verify_password(stored, password) or user is None:
        raise IncorrectPasswordError("Incorrect username or password")
    if throttle is not None:
        throttle.succeeded(name)
    return user


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(hash_password("tarbox-timing-equaliser"))
    return _DUMMY[0]


def issue_token(
    accounts: AccountStore, user: str, *, readonly: bool = False, **details: Any
) -> str:
    """A new token for `user`; `details` are TokenRecord fields (name, cidr_whitelist, …).
    Tokens from login are "session" tokens; those with details come from `npm token create`."""
    value = new_token_value()
    kind = "created" if details else "session"
    accounts.put_token(
        TokenRecord(token_key(value), user, readonly, now_iso(), value[:8], kind=kind, **details)
    )
    return value


def revoke_token(accounts: AccountStore, value: str) -> None:
    accounts.delete_token(token_key(value))


def require_actor(actor: Actor | None) -> Actor:
    if actor is None:
        raise AuthenticationRequiredError("You must be logged in: run `npm login`")
    return actor
