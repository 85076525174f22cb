"""How a subscription's state moves as the payment provider's events arrive: in any order, and
more than once (Stripe delivers at least once, retries for days, and does not keep order).

State is the status an event gives, stamped with the event's `created`. An event older than the
stored state changes nothing. Within one second (Stripe's resolution) the later stage of a
subscription's life wins (`incomplete` < `trialing` < `active` < `past_due` < `unpaid` <
`canceled`), so `customer.subscription.created` (incomplete) and `invoice.paid` of the same
second leave it active. `canceled` and `incomplete_expired` are final, as Stripe documents: a
renewed plan is a new subscription. A failed invoice makes a paying subscription past_due,
but never moves a lapsed one (`unpaid`, `paused`, `incomplete`) back into a grace period: a
customer can make payments fail at will.
"""

from __future__ import annotations

from chalicelib.storage.records import SubscriptionRecord

PAST_DUE = "past_due"
PAYING = frozenset({"active", "trialing", "past_due"})
FINAL = frozenset({"canceled", "incomplete_expired"})
_STAGE = {
    "incomplete": 0,
    "trialing": 1,
    "active": 2,
    "past_due": 3,
    "unpaid": 4,
    "paused": 4,
    "incomplete_expired": 5,
    "canceled": 5,
}


def next_state(
    stored: SubscriptionRecord | None,
    subscription: str,
    customer: str,
    status: str,
    created: int,
    only_from: frozenset[str] | None = None,
) -> SubscriptionRecord | None:
    """The record to write, or None when the event changes nothing. `only_from`: the stored
    statuses this event may move a subscription out of (None: any but a final one)."""
    if stored is not None:
        if stored.status in FINAL or (only_from is not None and stored.status not in only_from):
            return None
        if (created, _STAGE.get(status, 0)) <= (stored.changed, _STAGE.get(stored.status, 0)):
            return None
    since = None
    if status == PAST_DUE:
        ongoing = stored is not None and stored.status == PAST_DUE and stored.past_due_since
        since = stored.past_due_since if ongoing and stored else created
    return SubscriptionRecord(
        id=subscription,
        customer=customer or (stored.customer if stored else ""),
        status=status,
        changed=created,
        past_due_since=since,
        version=(stored.version if stored else 0) + 1,
    )
