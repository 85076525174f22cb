"""Stripe-shaped webhook deliveries for tests: events as Stripe sends them, signed as Stripe
signs them (`Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "{t}.{body}")`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any


def event(kind: str, obj: dict[str, Any], *, created: int | None = None, **extra: Any) -> bytes:
    body = {
        "id": extra.pop("id", f"evt_{secrets.token_hex(8)}"),
        "object": "event",
        "api_version": "2025-03-31.basil",
        "type": kind,
        "created": int(time.time()) if created is None else created,
        "livemode": False,
        "data": {"object": obj},
        **extra,
    }
    return json.dumps(body).encode()


def signature(body: bytes, secret: str, *, at: int | None = None) -> str:
    t = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def checkout_completed(
    scope: str, subscription: str, customer: str, **extra: Any
) -> dict[str, Any]:
    return {
        "id": f"cs_{secrets.token_hex(6)}",
        "object": "checkout.session",
        "mode": "subscription",
        "client_reference_id": scope,
        "customer": customer,
        "subscription": subscription,
        "payment_status": "paid",
        "status": "complete",
        **extra,
    }


def subscription(sub_id: str, customer: str, status: str) -> dict[str, Any]:
    return {"id": sub_id, "object": "subscription", "customer": customer, "status": status}


def invoice(sub_id: str, customer: str, *, new_shape: bool = False) -> dict[str, Any]:
    """An invoice; API versions from 2025-03-31 put the subscription under `parent`."""
    base: dict[str, Any] = {
        "id": f"in_{secrets.token_hex(6)}",
        "object": "invoice",
        "customer": customer,
    }
    if new_shape:
        base["parent"] = {
            "type": "subscription_details",
            "subscription_details": {"subscription": sub_id},
        }
    else:
        base["subscription"] = sub_id
    return base
