"""Bearer tokens: random, shown once, stored only as the sha512 hex of the value (npm's `key`)."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "tbx_"  # noqa: S105 - a label, not a secret


def new_token_value() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_key(value: str) -> str:
    return hashlib.sha512(value.encode()).hexdigest()
