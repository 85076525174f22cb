"""Billing's pure parts: Stripe's signature scheme, how a subscription moves as events arrive in
any order, and what a plan's standing allows."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace

import pytest

from chalicelib.billing.plans import ACTIVE, GRACE, LAPSED, NONE, standing_of
from chalicelib.billing.signature import WebhookSignatureError, verify_signature
from chalicelib.billing.subscriptions import next_state
from chalicelib.storage.records import PlanRecord, SubscriptionRecord

SECRET = "whsec_test_secret"
BODY = b'{"id":"evt_1","type":"invoice.paid"}'
NOW = 1_800_000_000


def sign(body: bytes, secret: str, t: int) -> str:
    return hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def header(t: int = NOW, *signatures: str) -> str:
    return ",".join([f"t={t}", *(f"v1={s}" for s in signatures)])


# --- signatures -------------------------------------------------------------------------------


def test_a_valid_signature_passes() -> None:
    verify_signature(BODY, header(NOW, sign(BODY, SECRET, NOW)), [SECRET], now=NOW)


def test_any_v1_may_match_while_stripe_rolls_the_secret() -> None:
    both = header(NOW, sign(BODY, "whsec_old", NOW), sign(BODY, SECRET, NOW))
    verify_signature(BODY, both + ",v0=ignored", [SECRET], now=NOW)


def test_any_configured_secret_may_match() -> None:
    verify_signature(BODY, header(NOW, sign(BODY, SECRET, NOW)), ["whsec_new", SECRET], now=NOW)


@pytest.mark.parametrize(
    ("case", "body", "signature_header", "now"),
    [
        ("tampered body", BODY + b" ", header(NOW, sign(BODY, SECRET, NOW)), NOW),
        ("wrong secret", BODY, header(NOW, sign(BODY, "whsec_other", NOW)), NOW),
        ("signed for another time", BODY, header(NOW + 1, sign(BODY, SECRET, NOW)), NOW),
        ("stale", BODY, header(NOW - 301, sign(BODY, SECRET, NOW - 301)), NOW),
        ("from the future", BODY, header(NOW + 301, sign(BODY, SECRET, NOW + 301)), NOW),
        ("no v1", BODY, f"t={NOW},v0={sign(BODY, SECRET, NOW)}", NOW),
        ("no timestamp", BODY, f"v1={sign(BODY, SECRET, NOW)}", NOW),
        ("empty", BODY, "", NOW),
        ("a digit that is not ASCII", BODY, f"t=\u00b2,v1={sign(BODY, SECRET, NOW)}", NOW),
        ("a signature that is not hex", BODY, f"t={NOW},v1=\u00e9\u00e9", NOW),
    ],
)
def test_bad_signatures_are_refused(
    case: str, body: bytes, signature_header: str, now: int
) -> None:
    with pytest.raises(WebhookSignatureError):
        verify_signature(body, signature_header, [SECRET], now=now)


def test_the_edges_of_the_tolerance_pass() -> None:
    for t in (NOW - 300, NOW + 300):
        verify_signature(BODY, header(t, sign(BODY, SECRET, t)), [SECRET], now=NOW)


# --- subscriptions ----------------------------------------------------------------------------


def apply(events: list[tuple[str, int]]) -> SubscriptionRecord | None:
    stored: SubscriptionRecord | None = None
    for status, created in events:
        stored = next_state(stored, "sub_1", "cus_1", status, created) or stored
    return stored


def test_older_events_never_overwrite_newer_state() -> None:
    state = apply([("canceled", 300), ("active", 100), ("past_due", 200)])
    assert state is not None and (state.status, state.changed) == ("canceled", 300)


def test_any_delivery_order_ends_in_the_same_state() -> None:
    events = [("incomplete", 100), ("active", 100), ("past_due", 200), ("active", 300)]
    final = {apply(order) for order in (events, events[::-1], [events[2], events[0], *events[3:]])}
    assert {(s.status, s.changed) for s in final if s} == {("active", 300)}


def test_within_one_second_the_later_stage_wins() -> None:
    state = apply([("active", 100), ("incomplete", 100)])
    assert state is not None and state.status == "active"


def test_a_replay_changes_nothing() -> None:
    first = apply([("active", 100)])
    assert next_state(first, "sub_1", "cus_1", "active", 100) is None


def test_canceled_is_final() -> None:
    state = apply([("canceled", 100), ("active", 500)])
    assert state is not None and state.status == "canceled"


def test_a_run_of_past_due_keeps_its_start() -> None:
    state = apply([("active", 100), ("past_due", 200), ("past_due", 900)])
    assert state is not None and state.past_due_since == 200
    recovered = apply([("past_due", 200), ("active", 300), ("past_due", 400)])
    assert recovered is not None and recovered.past_due_since == 400


def test_only_from_keeps_an_event_to_the_statuses_it_may_leave() -> None:
    unpaid = apply([("active", 100), ("unpaid", 200)])
    paying = frozenset({"active", "trialing", "past_due"})
    assert next_state(unpaid, "sub_1", "cus_1", "past_due", 300, paying) is None
    active = apply([("active", 100)])
    moved = next_state(active, "sub_1", "cus_1", "past_due", 300, paying)
    assert moved is not None and moved.past_due_since == 300


def test_versions_count_writes() -> None:
    state = apply([("incomplete", 1), ("active", 2), ("past_due", 3)])
    assert state is not None and state.version == 3


# --- standing ---------------------------------------------------------------------------------

PLAN = PlanRecord(scope="acme", subscription="sub_1", version=1)
GRACE_SECONDS = 7 * 86_400


def sub(status: str, changed: int = NOW, since: int | None = None) -> SubscriptionRecord:
    return SubscriptionRecord("sub_1", "cus_1", status, changed, since, 1)


@pytest.mark.parametrize(
    ("plan", "subscription", "state", "open_"),
    [
        (None, None, NONE, False),
        (PLAN, None, NONE, False),
        (PLAN, sub("active"), ACTIVE, True),
        (PLAN, sub("trialing"), ACTIVE, True),
        (PLAN, sub("past_due", since=NOW - 86_400), GRACE, True),
        (PLAN, sub("past_due", since=NOW - GRACE_SECONDS), LAPSED, False),
        (PLAN, sub("unpaid"), LAPSED, False),
        (PLAN, sub("canceled"), LAPSED, False),
        (PLAN, sub("incomplete"), LAPSED, False),
        (replace(PLAN, override="active"), sub("canceled"), ACTIVE, True),
        (replace(PLAN, override="canceled"), sub("active"), LAPSED, False),
    ],
)
def test_standing(
    plan: PlanRecord | None, subscription: SubscriptionRecord | None, state: str, open_: bool
) -> None:
    found = standing_of(plan, subscription, now=NOW, grace_seconds=GRACE_SECONDS)
    assert found.state == state
    assert found.allows_private_publishing is open_


def test_members_are_told_when_publishing_stops() -> None:
    grace = standing_of(PLAN, sub("past_due", since=NOW), now=NOW, grace_seconds=86_400)
    assert grace.grace_ends == NOW + 86_400
    assert "past due" in (grace.notice() or "")
    lapsed = standing_of(PLAN, sub("canceled"), now=NOW, grace_seconds=86_400)
    assert "stay private and installable" in (lapsed.notice() or "")
    assert standing_of(PLAN, sub("active"), now=NOW, grace_seconds=1).notice() is None
