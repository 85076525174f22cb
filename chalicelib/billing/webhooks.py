"""`POST /-/billing/stripe`: the payment provider's events, in Stripe's format.

Verify the signature over the raw bytes, take each event id once (a conditional write that
expires after Stripe's retry window), then apply it. Applying is order-independent
(`subscriptions.next_state`), so a replay after the id expired is harmless too. Events of types
not handled here are answered 2xx, so Stripe does not retry them for days.

- `checkout.session.completed`: links the customer and subscription to the user or org named in
  `client_reference_id`; a paid session also makes the subscription active.
- `customer.subscription.created|updated|deleted`: the subscription's status.
- `invoice.paid`: active; `invoice.payment_failed`: past_due (the grace period starts).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.billing.signature import verify_signature
from chalicelib.billing.subscriptions import PAYING, next_state
from chalicelib.clock import now_iso
from chalicelib.errors import ConflictError, InvalidPayloadError, NotConfiguredError
from chalicelib.registry import Registry
from chalicelib.storage.ports.billing import BillingStore
from chalicelib.storage.records import Expiring, PlanRecord
from chalicelib.writes.retries import with_retries

EVENT_KIND = "stripe-event"
# Stripe retries a delivery for up to three days; a week covers it with room to spare.
EVENT_MEMORY_SECONDS = 7 * 86_400


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    created: int
    object: dict[str, Any]


def receive(registry: Registry, payload: bytes, signature: str | None) -> dict[str, Any]:
    secrets = registry.secrets.billing_webhook_secrets()
    if not secrets:
        raise NotConfiguredError(
            "Billing webhooks are not configured: set TARBOX_STRIPE_WEBHOOK_SECRET"
        )
    now = time.time()
    verify_signature(payload, signature, secrets, now=now)
    event = parse_event(payload)
    handler = HANDLERS.get(event.type)
    if handler is None:
        return {"received": True, "ignored": event.type}
    try:
        remembered = Expiring(
            EVENT_KIND, event.id, {"type": event.type}, now + EVENT_MEMORY_SECONDS
        )
        registry.ephemeral.put_new(remembered)
    except ConflictError:
        return {"received": True, "duplicate": True}
    try:
        handler(registry, event)
    except BaseException:
        # Not applied: let Stripe's retry apply it.
        registry.ephemeral.delete(EVENT_KIND, event.id)
        raise
    return {"received": True}


def parse_event(payload: bytes) -> Event:
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise InvalidPayloadError("The event is not JSON") from None
    if not isinstance(body, dict):
        raise InvalidPayloadError("The event must be a JSON object")
    data = body.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    event_id, kind, created = body.get("id"), body.get("type"), body.get("created")
    if not (isinstance(event_id, str) and event_id and isinstance(kind, str)):
        raise InvalidPayloadError("An event needs an id and a type")
    if not isinstance(created, int) or isinstance(created, bool) or not isinstance(obj, dict):
        raise InvalidPayloadError("An event needs `created` and `data.object`")
    return Event(event_id, kind, created, obj)


# --- handlers -----------------------------------------------------------------------------------


def _checkout_completed(registry: Registry, event: Event) -> None:
    session = event.object
    if session.get("mode", "subscription") != "subscription":
        return
    reference = session.get("client_reference_id")
    scope = reference.lstrip("@") if isinstance(reference, str) else ""
    if not scope or registry.accounts.get_scope(scope) is None:
        raise InvalidPayloadError("client_reference_id names no user or org of this registry")
    subscription, customer = _id(session.get("subscription")), _id(session.get("customer"))
    if not subscription:
        raise InvalidPayloadError("The checkout session has no subscription")
    _link(registry.billing, scope, subscription, customer, event.created)
    paid = {"paid": "active", "no_payment_required": "trialing"}
    status = paid.get(str(session.get("payment_status")))
    if status is not None:
        _advance(registry.billing, subscription, customer, status, event.created)


def _subscription_changed(registry: Registry, event: Event) -> None:
    subscription = event.object
    status = subscription.get("status")
    if event.type == "customer.subscription.deleted":
        status = "canceled"
    if not isinstance(status, str) or not _id(subscription.get("id")):
        raise InvalidPayloadError("A subscription event needs the subscription's id and status")
    customer = _id(subscription.get("customer"))
    _advance(registry.billing, _id(subscription.get("id")), customer, status, event.created)


def _invoice(status: str, only_from: frozenset[str] | None) -> Callable[[Registry, Event], None]:
    def handle(registry: Registry, event: Event) -> None:
        invoice = event.object
        # Before API version 2025-03-31 `subscription`; since, under `parent`.
        parent = invoice.get("parent")
        details = parent.get("subscription_details") if isinstance(parent, dict) else None
        nested = details.get("subscription") if isinstance(details, dict) else None
        subscription = _id(invoice.get("subscription")) or _id(nested)
        if subscription:  # a one-off invoice pays for no plan
            customer = _id(invoice.get("customer"))
            _advance(registry.billing, subscription, customer, status, event.created, only_from)

    return handle


HANDLERS: dict[str, Callable[[Registry, Event], None]] = {
    "checkout.session.completed": _checkout_completed,
    "customer.subscription.created": _subscription_changed,
    "customer.subscription.updated": _subscription_changed,
    "customer.subscription.deleted": _subscription_changed,
    "invoice.paid": _invoice("active", None),
    "invoice.payment_failed": _invoice("past_due", PAYING),
}


def _link(
    billing: BillingStore, scope: str, subscription: str, customer: str, created: int
) -> None:
    def attempt() -> None:
        plan = billing.get_plan(scope) or PlanRecord(scope)
        if created < plan.linked:
            return  # a newer checkout already linked this scope
        _refuse_takeover(billing, plan, subscription, customer)
        linked = replace(
            plan,
            subscription=subscription,
            customer=customer or plan.customer,
            linked=created,
            updated=now_iso(),
            version=plan.version + 1,
        )
        billing.put_plan(linked)

    with_retries(attempt)


def _advance(
    billing: BillingStore,
    subscription: str,
    customer: str,
    status: str,
    created: int,
    only_from: frozenset[str] | None = None,
) -> None:
    def attempt() -> None:
        stored = billing.get_subscription(subscription)
        moved = next_state(stored, subscription, customer, status, created, only_from)
        if moved is not None:
            billing.put_subscription(moved)

    with_retries(attempt)


def _refuse_takeover(
    billing: BillingStore, plan: PlanRecord, subscription: str, customer: str
) -> None:
    """A scope paid for by one customer is not relinked to another customer's subscription
    while the first one is still paying: whoever can start a checkout chooses its
    `client_reference_id`, and could otherwise attach a plan to someone else's scope and then
    cancel it. 409: Stripe retries, and the link is made once the old subscription has ended."""
    if not plan.subscription or plan.subscription == subscription:
        return
    if not plan.customer or plan.customer == customer:
        return
    current = billing.get_subscription(plan.subscription)
    if current is None or current.status in PAYING:
        raise ConflictError(f"@{plan.scope} is already paid for by another customer's subscription")


def _id(value: Any) -> str:
    """Stripe sends related objects as ids, or expanded objects with an `id`."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""
