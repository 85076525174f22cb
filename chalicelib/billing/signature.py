"""Verifying the payment provider's webhook signature, as Stripe signs it.

`Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, each v1 an HMAC-SHA256 of
`"{t}.{raw body}"` keyed with the endpoint's secret (the whole `whsec_…` string). While a secret
is rolled, Stripe sends one v1 per live secret, and an operator may configure several: any
match is enough. Twenty lines rather than the `stripe` package (31 MB, up to half a second to
import, shared/reference/aws-platform.md §8), which also accepts timestamps from the future;
this refuses both stale and future ones.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from chalicelib.errors import InvalidPayloadError

TOLERANCE_SECONDS = 300
# ASCII only: str.isdigit() takes "²", and compare_digest refuses non-ASCII text.
_HEX_OR_DIGITS = re.compile(r"[0-9a-f]{1,128}")


class WebhookSignatureError(InvalidPayloadError):
    """The signature is missing, malformed, stale, from the future, or does not match."""


def verify_signature(
    payload: bytes,
    header: str | None,
    secrets: list[str],
    *,
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    timestamp, signatures = _parse(header or "")
    if abs(now - timestamp) > tolerance:
        raise WebhookSignatureError(
            f"The Stripe-Signature timestamp is more than {tolerance} seconds from now"
        )
    signed = f"{timestamp}.".encode() + payload
    expected = [hmac.new(s.encode(), signed, hashlib.sha256).hexdigest() for s in secrets]
    matches = [hmac.compare_digest(e, s) for e in expected for s in signatures]
    if not any(matches):
        raise WebhookSignatureError("The Stripe-Signature does not match the payload")


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and _HEX_OR_DIGITS.fullmatch(value) and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and _HEX_OR_DIGITS.fullmatch(value):
            signatures.append(value)
    if timestamp is None or not signatures:
        raise WebhookSignatureError("The Stripe-Signature header is missing or malformed")
    return timestamp, signatures
