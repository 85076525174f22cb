"""DynamoBillingStore: plans and subscriptions on the registry's table.

Item layout (pk / sk):
    PLAN#<scope>          PLAN   a scope's plan (JSON `doc`, numeric `version`)
    STRIPESUB#<sub id>    SUB    a Stripe subscription as its events last described it

Every write is a conditional put: the item must not exist (version 1) or must still be at
`version - 1`. The model lives here, bound to the table's shared connection like the grants.
"""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.errors import ConcurrentModificationError
from chalicelib.settings import Settings
from chalicelib.storage.aws.table import Item, get, model_for, put, scan_prefix
from chalicelib.storage.codec import (
    check_next_version,
    plan_from_json,
    plan_to_json,
    subscription_from_json,
    subscription_to_json,
)
from chalicelib.storage.records import PlanRecord, SubscriptionRecord

PLAN_SK = "PLAN"
SUBSCRIPTION_SK = "SUB"


class BillingItem(Item):
    doc = UnicodeAttribute()
    version = NumberAttribute()


class DynamoBillingStore:
    def __init__(self, settings: Settings) -> None:
        self._model = model_for(BillingItem, settings)

    def get_plan(self, scope: str) -> PlanRecord | None:
        item = get(self._model, f"PLAN#{scope}", PLAN_SK)
        return None if item is None else plan_from_json(scope, int(item.version), item.doc)

    def put_plan(self, plan: PlanRecord) -> None:
        self._put(f"PLAN#{plan.scope}", PLAN_SK, plan_to_json(plan), plan.version)

    def get_subscription(self, subscription: str) -> SubscriptionRecord | None:
        item = get(self._model, f"STRIPESUB#{subscription}", SUBSCRIPTION_SK)
        if item is None:
            return None
        return subscription_from_json(subscription, int(item.version), item.doc)

    def put_subscription(self, subscription: SubscriptionRecord) -> None:
        doc = subscription_to_json(subscription)
        self._put(f"STRIPESUB#{subscription.id}", SUBSCRIPTION_SK, doc, subscription.version)

    def all_plans(self) -> Iterator[PlanRecord]:
        for item in scan_prefix(self._model, "PLAN#", PLAN_SK):
            yield plan_from_json(item.pk.removeprefix("PLAN#"), int(item.version), item.doc)

    def all_subscriptions(self) -> Iterator[SubscriptionRecord]:
        for item in scan_prefix(self._model, "STRIPESUB#", SUBSCRIPTION_SK):
            key = item.pk.removeprefix("STRIPESUB#")
            yield subscription_from_json(key, int(item.version), item.doc)

    def _put(self, pk: str, sk: str, doc: str, version: int) -> None:
        check_next_version(version)
        m = self._model
        condition = m.pk.does_not_exist() if version == 1 else m.version == version - 1
        if not put(m(pk, sk, doc=doc, version=version), condition):
            raise ConcurrentModificationError(f"{pk} changed (expected version {version - 1})")
