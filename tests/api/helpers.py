"""Helpers more than one API test file uses (publishing is `Api.publish`, in conftest.py)."""

from __future__ import annotations

from typing import Any

import pyotp

from tests.api.conftest import Api, body_of

USER = "/-/npm/v1/user"
TOKENS = "/-/npm/v1/tokens"


def enable(api: Api, token: str, mode: str = "auth-and-writes") -> tuple[pyotp.TOTP, list[str]]:
    """Two-factor auth in `mode` as `npm profile enable-2fa` turns it on: started with the
    password, a wrong code refused, confirmed with the right one. Answers the authenticator and
    the recovery codes."""
    started = body_of(
        api.call("POST", USER, {"tfa": {"mode": mode, "password": "correct horse"}}, token=token)
    )
    assert started["tfa"].startswith("otpauth://totp/")
    secret = started["tfa"].split("secret=")[1].split("&")[0]
    totp = pyotp.TOTP(secret)
    assert body_of(api.call("GET", USER, token=token))["tfa"] == {"mode": mode, "pending": True}
    wrong = api.call(
        "POST", USER, {"tfa": ["000000" if totp.now() != "000000" else "111111"]}, token=token
    )
    assert wrong.status_code == 401
    confirmed = body_of(api.call("POST", USER, {"tfa": [totp.now()]}, token=token))
    return totp, list(confirmed["tfa"])


def otp(code: str) -> dict[str, str]:
    """The header npm sends a one-time password in."""
    return {"npm-otp": code}


def github(**claims: Any) -> dict[str, Any]:
    """A trusted publisher as `npm trust github` sends it: acme/lib's release.yml."""
    return {
        "type": "github",
        "claims": {"repository": "acme/lib", "workflow_ref": {"file": "release.yml"}, **claims},
        "permissions": ["createPackage"],
    }
