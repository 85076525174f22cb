"""The payment provider's webhooks (Stripe's format), which switch private packages on and off
for a scope (docs/billing.md)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import wiring
from chalicelib.billing import webhooks
from chalicelib.http import render
from chalicelib.http.request import header
from chalicelib.http.routing import JSON_TYPES, current_request, router

blueprint = Blueprint(__name__)
_route = router(blueprint)


@_route("/-/billing/stripe", methods=["POST"], content_types=JSON_TYPES)
def billing_webhook() -> Response:
    # Verified over the exact bytes Stripe signed, never over re-serialised JSON.
    request = current_request(blueprint)
    signature = header(request, "stripe-signature")
    raw = request.raw_body or b""
    payload = raw.encode() if isinstance(raw, str) else raw
    received = webhooks.receive(wiring.registry(), payload, signature)
    return render.json_response(received)
