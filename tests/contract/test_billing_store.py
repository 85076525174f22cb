"""BillingStore contract: plans by scope and subscriptions by id, each written with a
compare-and-swap on `version` (1 creates; n replaces n - 1), so two webhook deliveries racing
for one record cannot both win."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.errors import ConcurrentModificationError
from chalicelib.storage.ports.billing import BillingStore
from chalicelib.storage.records import PlanRecord, SubscriptionRecord
from tests.contract.support import run_threads

PLAN = PlanRecord(
    scope="acme",
    subscription="sub_1",
    customer="cus_1",
    linked=1_700_000_000,
    override=None,
    updated="2026-12-01T00:00:00.000Z",
    version=1,
)
SUBSCRIPTION = SubscriptionRecord(
    id="sub_1", customer="cus_1", status="past_due", changed=1_700_000_100, past_due_since=17
)


def test_a_plan_reads_back_with_every_field(billing_store: BillingStore) -> None:
    billing_store.put_plan(PLAN)
    assert billing_store.get_plan("acme") == PLAN
    assert billing_store.get_plan("other") is None


def test_an_operator_plan_without_a_subscription_round_trips(billing_store: BillingStore) -> None:
    plan = PlanRecord(scope="solo", override="active", updated="x", version=1)
    billing_store.put_plan(plan)
    assert billing_store.get_plan("solo") == plan


def test_a_subscription_reads_back_with_every_field(billing_store: BillingStore) -> None:
    first = replace(SUBSCRIPTION, version=1)
    billing_store.put_subscription(first)
    assert billing_store.get_subscription("sub_1") == first
    active = replace(first, status="active", past_due_since=None, version=2)
    billing_store.put_subscription(active)
    assert billing_store.get_subscription("sub_1") == active
    assert billing_store.get_subscription("sub_2") is None


def test_plans_compare_and_swap_their_version(billing_store: BillingStore) -> None:
    billing_store.put_plan(PLAN)
    with pytest.raises(ConcurrentModificationError):
        billing_store.put_plan(PLAN)  # a second create
    with pytest.raises(ConcurrentModificationError):
        billing_store.put_plan(replace(PLAN, override="canceled", version=3))  # skips one
    billing_store.put_plan(replace(PLAN, override="canceled", version=2))
    assert billing_store.get_plan("acme") == replace(PLAN, override="canceled", version=2)


def test_subscriptions_compare_and_swap_their_version(billing_store: BillingStore) -> None:
    billing_store.put_subscription(replace(SUBSCRIPTION, version=1))
    with pytest.raises(ConcurrentModificationError):
        billing_store.put_subscription(replace(SUBSCRIPTION, status="canceled", version=1))
    assert billing_store.get_subscription("sub_1") == replace(SUBSCRIPTION, version=1)


def test_a_version_below_one_is_refused(billing_store: BillingStore) -> None:
    with pytest.raises(ValueError, match="version 1"):
        billing_store.put_plan(replace(PLAN, version=0))


def test_racing_writers_of_one_version_have_one_winner(billing_store: BillingStore) -> None:
    billing_store.put_plan(PLAN)
    statuses = ["active", "canceled"] * 4

    def write(i: int) -> None:
        billing_store.put_plan(replace(PLAN, override=statuses[i], version=2))

    failures = run_threads(len(statuses), write)
    assert len(failures) == len(statuses) - 1
    assert all(isinstance(f, ConcurrentModificationError) for f in failures)
    stored = billing_store.get_plan("acme")
    assert stored is not None and stored.version == 2
