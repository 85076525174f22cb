"""`POST /-/billing/stripe` on both backends: only correctly signed, fresh events count, each
once, in any order; the plan they set is what decides private publishing."""

from __future__ import annotations

import json
import time

import pytest

from chalicelib import wiring
from chalicelib.billing.plans import standing
from tests import stripe_events
from tests.api.conftest import WEBHOOK_SECRET, Api, body_of, deliver, subscribe


def private_publish(api: Api, token: str, version: str = "1.0.0") -> int:
    return int(api.publish("@alice/secret", version, token=token, access="restricted").status_code)


def state(scope: str = "alice") -> str:
    registry = wiring.registry()
    return standing(registry.billing, registry.settings, scope).state


def checkout(scope: str = "alice") -> dict[str, object]:
    return stripe_events.checkout_completed(scope, f"sub_{scope}", f"cus_{scope}")


def test_a_valid_checkout_opens_private_publishing(any_api: Api, alice: str) -> None:
    answer = deliver(any_api, "checkout.session.completed", checkout())
    assert answer.status_code == 200 and body_of(answer) == {"received": True}
    assert state() == "active"
    assert private_publish(any_api, alice) == 201


@pytest.mark.parametrize(
    "case",
    ["tampered body", "wrong secret", "stale timestamp", "future timestamp", "no signature"],
)
def test_bad_deliveries_are_refused_and_change_nothing(any_api: Api, alice: str, case: str) -> None:
    body = stripe_events.event("checkout.session.completed", checkout())
    now = int(time.time())
    signature = {
        "tampered body": stripe_events.signature(body, WEBHOOK_SECRET),
        "wrong secret": stripe_events.signature(body, "whsec_someone_else"),
        "stale timestamp": stripe_events.signature(body, WEBHOOK_SECRET, at=now - 301),
        "future timestamp": stripe_events.signature(body, WEBHOOK_SECRET, at=now + 301),
        "no signature": "",
    }[case]
    if case == "tampered body":
        body = body.replace(b'"alice"', b'"mallory"')
    answer = deliver(any_api, "", {}, body=body, signature=signature)
    assert answer.status_code == 400
    assert "Stripe-Signature" in body_of(answer)["error"]
    assert state() == "none"
    assert private_publish(any_api, alice) == 402


def test_a_replayed_event_is_taken_once(any_api: Api, alice: str) -> None:
    body = stripe_events.event("checkout.session.completed", checkout())
    first = deliver(any_api, "", {}, body=body)
    again = deliver(any_api, "", {}, body=body)
    assert body_of(first) == {"received": True}
    assert again.status_code == 200 and body_of(again) == {"received": True, "duplicate": True}


def test_a_rotated_secret_verifies_by_any_signature(any_api: Api, alice: str) -> None:
    body = stripe_events.event("checkout.session.completed", checkout())
    t = int(time.time())
    old = stripe_events.signature(body, "whsec_retired", at=t).split(",")[1]
    new = stripe_events.signature(body, WEBHOOK_SECRET, at=t).split(",")[1]
    assert deliver(any_api, "", {}, body=body, signature=f"t={t},{old},{new}").status_code == 200
    assert state() == "active"


def test_out_of_order_delivery_ends_in_the_newest_state(any_api: Api, alice: str) -> None:
    now = int(time.time())
    sub = stripe_events.subscription("sub_alice", "cus_alice", "canceled")
    # the cancellation (newest) arrives first, then the older creation and checkout
    deliver(any_api, "customer.subscription.deleted", sub, created=now)
    sub_active = stripe_events.subscription("sub_alice", "cus_alice", "active")
    deliver(any_api, "customer.subscription.created", sub_active, created=now - 60)
    deliver(any_api, "checkout.session.completed", checkout(), created=now - 61)
    assert state() == "lapsed"
    assert private_publish(any_api, alice) == 402


def test_a_subscription_known_before_its_checkout_counts_once_linked(
    any_api: Api, alice: str
) -> None:
    now = int(time.time())
    session = checkout()
    session["payment_status"] = "unpaid"  # the session alone does not make it active
    active = stripe_events.subscription("sub_alice", "cus_alice", "active")
    deliver(any_api, "customer.subscription.updated", active, created=now - 5)
    assert state() == "none"  # not linked to anyone yet
    deliver(any_api, "checkout.session.completed", session, created=now)
    assert state() == "active"


def test_invoices_move_the_plan_in_both_api_shapes(any_api: Api, alice: str) -> None:
    now = int(time.time())
    subscribe(any_api, "alice", created=now - 100)
    failed = stripe_events.invoice("sub_alice", "cus_alice", new_shape=True)
    deliver(any_api, "invoice.payment_failed", failed, created=now - 50)
    assert state() == "grace"
    paid = stripe_events.invoice("sub_alice", "cus_alice")
    deliver(any_api, "invoice.paid", paid, created=now)
    assert state() == "active"


def test_events_it_does_not_handle_are_acknowledged(any_api: Api, alice: str) -> None:
    answer = deliver(any_api, "customer.created", {"id": "cus_1", "object": "customer"})
    assert answer.status_code == 200
    assert body_of(answer) == {"received": True, "ignored": "customer.created"}


def test_malformed_events_are_refused(any_api: Api, alice: str) -> None:
    for body in [b"not json", b"[]", json.dumps({"id": "evt_1", "type": "invoice.paid"}).encode()]:
        assert deliver(any_api, "", {}, body=body).status_code == 400
    stranger = stripe_events.checkout_completed("nobody-here", "sub_x", "cus_x")
    refused = deliver(any_api, "checkout.session.completed", stranger)
    assert refused.status_code == 400 and "client_reference_id" in body_of(refused)["error"]


def test_without_a_secret_webhooks_answer_503(api: Api) -> None:
    api.configure(TARBOX_STRIPE_WEBHOOK_SECRET="")
    answer = deliver(api, "checkout.session.completed", checkout())
    assert answer.status_code == 503
    assert "TARBOX_STRIPE_WEBHOOK_SECRET" in body_of(answer)["error"]


def test_on_aws_the_secret_comes_from_secrets_manager(api: Api, alice: str) -> None:
    import boto3

    manager = boto3.client("secretsmanager", region_name="us-east-1")
    arn = manager.create_secret(Name="tarbox-webhook", SecretString="whsec_from_aws")["ARN"]
    api.configure(TARBOX_STRIPE_WEBHOOK_SECRET="", TARBOX_STRIPE_WEBHOOK_SECRET_ARN=arn)
    assert deliver(api, "checkout.session.completed", checkout()).status_code == 400
    answer = deliver(api, "checkout.session.completed", checkout(), secret="whsec_from_aws")
    assert answer.status_code == 200
    assert state() == "active"


def test_another_customer_cannot_take_over_a_paying_scope(any_api: Api, alice: str) -> None:
    subscribe(any_api, "alice")
    # someone starts a checkout naming alice's scope, then cancels their own subscription
    theirs = stripe_events.checkout_completed("alice", "sub_mallory", "cus_mallory")
    refused = deliver(any_api, "checkout.session.completed", theirs)
    assert refused.status_code == 409 and "another customer" in body_of(refused)["error"]
    cancel = stripe_events.subscription("sub_mallory", "cus_mallory", "canceled")
    deliver(any_api, "customer.subscription.deleted", cancel)
    assert state() == "active"
    assert private_publish(any_api, alice) == 201
    # once alice's own subscription has ended, a new customer may pay for the scope
    ended = stripe_events.subscription("sub_alice", "cus_alice", "canceled")
    deliver(any_api, "customer.subscription.deleted", ended)
    later = stripe_events.checkout_completed("alice", "sub_new", "cus_new")
    assert deliver(any_api, "checkout.session.completed", later).status_code == 200
    assert state() == "active"


def test_a_failed_payment_does_not_reopen_a_lapsed_plan(any_api: Api, alice: str) -> None:
    now = int(time.time())
    subscribe(any_api, "alice", created=now - 30 * 86_400)
    unpaid = stripe_events.subscription("sub_alice", "cus_alice", "unpaid")
    deliver(any_api, "customer.subscription.updated", unpaid, created=now - 86_400)
    assert state() == "lapsed"
    failed = stripe_events.invoice("sub_alice", "cus_alice")
    deliver(any_api, "invoice.payment_failed", failed, created=now)
    assert state() == "lapsed"
    assert private_publish(any_api, alice) == 402
    paid = stripe_events.invoice("sub_alice", "cus_alice")
    deliver(any_api, "invoice.paid", paid, created=now + 1)
    assert state() == "active"
