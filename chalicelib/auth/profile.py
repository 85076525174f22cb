"""`npm profile get|set|enable-2fa|disable-2fa` (`GET|POST /-/npm/v1/user`, npm-profile)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.auth import second_factor
from chalicelib.auth.credentials import forget_basic_credentials
from chalicelib.auth.passwords import hash_password, verify_password
from chalicelib.auth.service import Actor, validate_new_user
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.auth.token_api import require_account_manager
from chalicelib.errors import (
    ConcurrentModificationError,
    IncorrectPasswordError,
    InvalidPayloadError,
    OtpRequiredError,
    UserNotFoundError,
)
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.records import UserRecord

# What `npm profile set` may change (npm's writableProfileKeys, less email and password, which
# are handled on their own).
PROFILE_KEYS = ("fullname", "homepage", "freenode", "twitter", "github")


def get_profile(accounts: AccountStore, actor: Actor) -> dict[str, Any]:
    return _public(_user(accounts, actor))


def set_profile(
    accounts: AccountStore, actor: Actor, body: Any, throttle: LoginThrottle
) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidPayloadError("The body must be a JSON object")
    require_account_manager(actor)
    user = _user(accounts, actor)
    tfa = body.get("tfa")
    if tfa is not None:
        return _change_tfa(accounts, actor, user, tfa, throttle)
    second_factor.require_account_otp(accounts, actor, throttle)
    return _public(_save(accounts, user, _edited(user, body, throttle)))


def _edited(user: UserRecord, body: dict[str, Any], throttle: LoginThrottle) -> UserRecord:
    profile = dict(user.profile)
    for key in PROFILE_KEYS:
        if key in body:
            value = body[key]
            if value is not None and not isinstance(value, str):
                raise InvalidPayloadError(f"{key} must be a string")
            profile[key] = value
    email = body.get("email") or user.email
    password_hash = user.password_hash
    if isinstance(body.get("password"), dict):
        password_hash = _new_password(user, body["password"], throttle)
    if email != user.email:
        validate_new_user(user.name, email, "unchanged")
    return replace(user, email=email, profile=profile, password_hash=password_hash)


def _new_password(user: UserRecord, change: dict[str, Any], throttle: LoginThrottle) -> str:
    old, new = change.get("old"), change.get("new")
    if not isinstance(old, str) or not isinstance(new, str) or not new:
        raise InvalidPayloadError("A password change needs {old, new}")
    _check_password(user, old, throttle)
    forget_basic_credentials()
    return hash_password(new)


def _check_password(user: UserRecord, password: str, throttle: LoginThrottle) -> None:
    """Guesses here count against the same limits as at login."""
    throttle.attempt(user.name)
    if not verify_password(user.password_hash, password):
        raise IncorrectPasswordError("Your password is not correct")
    throttle.succeeded(user.name)


def _change_tfa(
    accounts: AccountStore, actor: Actor, user: UserRecord, tfa: Any, throttle: LoginThrottle
) -> dict[str, Any]:
    if isinstance(tfa, list):  # the confirming code: {"tfa": ["123456"]}
        confirmed = second_factor.confirm(user, str(tfa[0])) if tfa else None
        if confirmed is None:
            raise OtpRequiredError("That code does not match: enter a fresh one")
        enabled, codes = confirmed
        _save(accounts, user, enabled)
        return {**_public(enabled), "tfa": codes}
    if not isinstance(tfa, dict) or not isinstance(tfa.get("password"), str):
        raise InvalidPayloadError("tfa needs a mode and your password")
    _check_password(user, tfa["password"], throttle)
    mode = tfa.get("mode")
    second_factor.require_login_otp(accounts, user, actor.otp, throttle)
    if mode == "disable":
        return _public(_save(accounts, user, replace(user, tfa=None)))
    if mode not in second_factor.MODES:
        raise InvalidPayloadError("tfa.mode must be auth-only, auth-and-writes or disable")
    if second_factor.active_mode(user) is not None:
        # Already on: only the mode changes (npm says "mode changed").
        switched = replace(user, tfa={**(user.tfa or {}), "mode": mode})
        return _public(_save(accounts, user, switched))
    pending, url = second_factor.start(user, mode)
    _save(accounts, user, pending)
    return {**_public(pending), "tfa": url}


def _save(accounts: AccountStore, old: UserRecord, new: UserRecord) -> UserRecord:
    # Remembered Basic credentials carry the old password and two-factor state.
    forget_basic_credentials()
    stamped = new if new.updated != old.updated else replace(new, updated=second_factor.fresh(old))
    try:
        accounts.replace_user(stamped, old.updated)
    except ConcurrentModificationError:
        raise ConcurrentModificationError("Your profile changed meanwhile: try again") from None
    return stamped


def _user(accounts: AccountStore, actor: Actor) -> UserRecord:
    user = accounts.get_user(actor.name)
    if user is None:
        raise UserNotFoundError("No such user")
    return user


def _public(user: UserRecord) -> dict[str, Any]:
    tfa = user.tfa
    return {
        "name": user.name,
        "email": user.email,
        "email_verified": False,
        "created": user.created,
        "updated": user.updated or user.created,
        "tfa": {"mode": tfa.get("mode"), "pending": bool(tfa.get("pending"))} if tfa else False,
        "cidr_whitelist": None,
        **{k: user.profile.get(k) for k in PROFILE_KEYS},
    }
