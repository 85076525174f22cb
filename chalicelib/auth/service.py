"""Use cases for accounts: add a user, log in, log out, and resolve the actor of a request."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from chalicelib.auth.passwords import hash_password, verify_password
from chalicelib.auth.tokens import new_token_value, token_key
from chalicelib.clock import now_iso
from chalicelib.errors import (
    AuthenticationRequiredError,
    IncorrectPasswordError,
    InvalidPayloadError,
    UnknownUserLoginError,
    UserExistsError,
    UserNotFoundError,
)
from chalicelib.packuments.names import check_name
from chalicelib.storage.ports import AccountStore, TokenRecord, UserRecord

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_PASSWORD_LENGTH = 1024


@dataclass(frozen=True)
class Actor:
    """Who a request acts as."""

    name: str
    email: str
    readonly: bool = False


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


def check_password(accounts: AccountStore, name: str, password: str) -> UserRecord:
    user = accounts.get_user(name)
    if user is None:
        raise UserNotFoundError(f'There is no user with the username "{name}"')
    if not verify_password(user.password_hash, password):
        raise IncorrectPasswordError("Incorrect username or password")
    return user


def issue_token(accounts: AccountStore, name: str, *, readonly: bool = False) -> str:
    value = new_token_value()
    accounts.put_token(TokenRecord(token_key(value), name, readonly, now_iso(), value[:8]))
    return value


def legacy_login(accounts: AccountStore, name: str, password: str, email: str | None) -> str:
    """npm's couch login and adduser (`PUT /-/user/org.couchdb.user:NAME`).

    A new name with an email creates the account. An existing name with the right password is a
    login, whatever else the body says (npmjs does the same for adduser). An existing name with a
    wrong password answers 409 for adduser, which sends npm down its Basic-auth retry path, and
    401 for login.
    """
    if accounts.get_user(name) is None:
        if email is None:
            raise UnknownUserLoginError(f'There is no user with the username "{name}"')
        try:
            return add_user(accounts, name, email, password)
        except UserExistsError:
            pass  # lost a race with another adduser of this name: fall through to the login
    try:
        check_password(accounts, name, password)
    except IncorrectPasswordError:
        if email is not None:
            raise UserExistsError(f"User {name!r} already exists") from None
        raise
    return issue_token(accounts, name)


def revoke_token(accounts: AccountStore, value: str) -> None:
    accounts.delete_token(token_key(value))


def authenticate(accounts: AccountStore, authorization: str | None) -> Actor | None:
    """Resolve `Authorization: Bearer <token>` or `Basic <b64 user:pass>`; None when absent.

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
    try:
        user = check_password(accounts, name, password)
    except UserNotFoundError:
        raise AuthenticationRequiredError("Incorrect username or password") from None
    return Actor(user.name, user.email)


def require_actor(actor: Actor | None) -> Actor:
    if actor is None:
        raise AuthenticationRequiredError("You must be logged in: run `npm login`")
    return actor


def public_profile(accounts: AccountStore, name: str) -> dict[str, str]:
    """`GET /-/user/org.couchdb.user:NAME` (npm owner add reads `name` and `email`)."""
    user = accounts.get_user(name)
    if user is None:
        raise UserNotFoundError(f"User {name!r} not found")
    # `_rev` because npm's login retry after a 409 PUTs to `…/-rev/<_rev>` (npm-profile).
    return {
        "_id": f"org.couchdb.user:{name}",
        "_rev": "1-0",
        "name": user.name,
        "email": user.email,
        "type": "user",
    }


def couch_login(accounts: AccountStore, name: str, body: object) -> dict[str, object]:
    """The couch login/adduser PUT body -> npm's 201 answer with a token."""
    if not isinstance(body, dict):
        raise InvalidPayloadError("The body must be a JSON object")
    password, email = body.get("password"), body.get("email")
    if body.get("name", name) != name or not isinstance(password, str):
        raise InvalidPayloadError("The body must carry this user's name and a password")
    if email is not None and not isinstance(email, str):
        raise InvalidPayloadError("email must be a string")
    token = legacy_login(accounts, name, password, email)
    return _couch_answer(name, token)


def couch_relogin(accounts: AccountStore, name: str, actor: Actor) -> dict[str, object]:
    """`PUT …/-rev/REV` after a 409: npm sends Basic credentials, already checked into `actor`."""
    if actor.name != name:
        raise IncorrectPasswordError("Incorrect username or password")
    return _couch_answer(name, issue_token(accounts, name))


def _couch_answer(name: str, token: str) -> dict[str, object]:
    return {
        "ok": True,
        "id": f"org.couchdb.user:{name}",
        "rev": "_we_dont_use_revs_any_more",
        "token": token,
    }
