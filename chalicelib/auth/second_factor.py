"""Two-factor authentication with TOTP (pyotp), npm's way.

Modes: `auth-only` asks for a one-time password at login; `auth-and-writes` also on every write,
except stars and dist-tags other than `latest` (registry docs, user/authentication.md). When one
is needed the registry answers 401 with `WWW-Authenticate: OTP`; npm prompts and retries with the
code in `npm-otp`. Recovery codes work once each.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from typing import Any

from chalicelib.auth.service import Actor
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.clock import now_iso
from chalicelib.errors import ConcurrentModificationError, OtpRequiredError, PermissionDeniedError
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.records import UserRecord

AUTH_ONLY = "auth-only"
AUTH_AND_WRITES = "auth-and-writes"
MODES = (AUTH_ONLY, AUTH_AND_WRITES)
RECOVERY_CODES = 5
ISSUER = "tarbox"


def active_mode(user: UserRecord) -> str | None:
    """The enforced mode; None while off or still pending confirmation."""
    tfa = user.tfa or {}
    return None if not tfa or tfa.get("pending") else str(tfa.get("mode"))


def require_login_otp(
    accounts: AccountStore, user: UserRecord, otp: str | None, throttle: LoginThrottle
) -> None:
    """At login, with any mode on."""
    if active_mode(user) is not None:
        _check(accounts, user, otp, throttle)


def require_account_otp(accounts: AccountStore, actor: Actor, throttle: LoginThrottle) -> None:
    """Account changes (tokens, password, email, profile) need a code in any mode (registry
    docs, user/authentication.md)."""
    if actor.tfa_mode is None:
        return
    user = accounts.get_user(actor.name)
    if user is not None:
        _check(accounts, user, actor.otp, throttle)


def require_write_otp(accounts: AccountStore, actor: Actor, throttle: LoginThrottle) -> None:
    """Before a package write, for `auth-and-writes` users."""
    if actor.tfa_mode != AUTH_AND_WRITES or actor.otp_checked:
        return
    user = accounts.get_user(actor.name)
    if user is not None:
        _check(accounts, user, actor.otp, throttle)


def require_presence(accounts: AccountStore, actor: Actor, throttle: LoginThrottle) -> None:
    """A person, proven by a one-time password whatever their mode (`npm stage approve` and
    `reject`: staged publishing defers 2FA to them). An account without 2FA cannot approve."""
    user = accounts.get_user(actor.name)
    if user is None or active_mode(user) is None:
        raise PermissionDeniedError(
            "Approving or rejecting a staged version needs two-factor authentication:"
            " turn it on with `npm profile enable-2fa`"
        )
    _check(accounts, user, actor.otp, throttle)


def _check(
    accounts: AccountStore, user: UserRecord, otp: str | None, throttle: LoginThrottle
) -> None:
    if not otp:
        raise OtpRequiredError(
            "This operation requires a one-time password from your authenticator"
        )
    throttle.otp_attempt(user.name)
    if not verify(accounts, user, otp):
        raise OtpRequiredError("Invalid one-time password: check your authenticator and try again")
    throttle.otp_succeeded(user.name)


def verify(accounts: AccountStore, user: UserRecord, otp: str) -> bool:
    tfa: dict[str, Any] = user.tfa or {}
    code = otp.strip().replace(" ", "")
    if _totp(str(tfa.get("secret", ""))).verify(code, valid_window=1):
        return True
    return _use_recovery_code(accounts, user, code)


def _use_recovery_code(accounts: AccountStore, user: UserRecord, code: str) -> bool:
    digest = _digest(code)
    for _ in range(5):
        recovery = list((user.tfa or {}).get("recovery", []))
        if digest not in recovery:
            return False
        recovery.remove(digest)
        updated = replace(user, tfa={**(user.tfa or {}), "recovery": recovery}, updated=fresh(user))
        try:
            accounts.replace_user(updated, user.updated)
            return True
        except ConcurrentModificationError:
            reread = accounts.get_user(user.name)
            if reread is None:
                return False
            user = reread
    return False


def start(user: UserRecord, mode: str) -> tuple[UserRecord, str]:
    """A pending secret and its otpauth URL (npm shows it as a QR code)."""
    import pyotp

    secret = pyotp.random_base32()
    url = _totp(secret).provisioning_uri(name=user.name, issuer_name=ISSUER)
    tfa = {"mode": mode, "pending": True, "secret": secret, "recovery": []}
    return replace(user, tfa=tfa, updated=fresh(user)), url


def confirm(user: UserRecord, otp: str) -> tuple[UserRecord, list[str]] | None:
    """Turn a pending secret on with a first code; returns the recovery codes, shown once."""
    tfa: dict[str, Any] = user.tfa or {}
    if not tfa.get("pending") or not _totp(str(tfa["secret"])).verify(otp, valid_window=1):
        return None
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    enabled = {**tfa, "pending": False, "recovery": [_digest(c) for c in codes]}
    return replace(user, tfa=enabled, updated=fresh(user)), codes


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def fresh(user: UserRecord) -> str:
    """A new `updated` stamp, never equal to the old one (the compare-and-swap needs that)."""
    stamp = now_iso()
    return stamp if stamp != user.updated else stamp + "+1"


def _totp(secret: str) -> Any:
    """pyotp on first use: only two-factor accounts need it (and cold starts should not)."""
    import pyotp

    return pyotp.TOTP(secret)
