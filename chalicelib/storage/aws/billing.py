"""DynamoBillingStore: plans and subscriptions on the registry's table (keys in `keys.py`: a
scope's plan, `PLAN#<scope>` / `PLAN`, and a Stripe subscription as its events last described it,
`STRIPESUB#<sub id>` / `SUB`, each a JSON `doc` with a numeric `version`).

Every write is a conditional put: the item must not exist (version 1) or must still be at
`version - 1`. The model lives here, bound to the table's shared connection like the grants.
"""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.errors import ConcurrentModificationError
from chalicelib.settings import Settings
from chalicelib.storage.aws import keys
from chalicelib.storage.aws.table import Item, get, model_for, put, scan_prefix
from chalicelib.storage.codec import (
    check_next_version,
    plan_from_json,
    plan_to_json,
    subscription_from_json,
    subscription_to_json,
)
from chalicelib.storage.records import PlanRecord, SubscriptionRecord


class BillingItem(Item):
    doc = UnicodeAttribute()
    version = NumberAttribute()


class DynamoBillingStore:
    def __init__(self, settings: Settings) -> None:
        self._model = model_for(BillingItem, settings)

    def get_plan(self, scope: str) -> PlanRecord | None:
        item = get(self._model, *keys.plan(scope))
        return None if item is None else plan_from_json(scope, int(item.version), item.doc)

    def put_plan(self, plan: PlanRecord) -> None:
        self._put(keys.plan(plan.scope), plan_to_json(plan), plan.version)

    def get_subscription(self, subscription: str) -> SubscriptionRecord | None:
        item = get(self._model, *keys.subscription(subscription))
        if item is None:
            return None
        return subscription_from_json(subscription, int(item.version), item.doc)

    def put_subscription(self, subscription: SubscriptionRecord) -> None:
        doc = subscription_to_json(subscription)
        self._put(keys.subscription(subscription.id), doc, subscription.version)

    def all_plans(self) -> Iterator[PlanRecord]:
        for item in scan_prefix(self._model, keys.PLAN_PREFIX, keys.PLAN_SK):
            yield plan_from_json(keys.plan_scope(item.pk), int(item.version), item.doc)

    def all_subscriptions(self) -> Iterator[SubscriptionRecord]:
        for item in scan_prefix(self._model, keys.SUBSCRIPTION_PREFIX, keys.SUBSCRIPTION_SK):
            key = keys.subscription_id(item.pk)
            yield subscription_from_json(key, int(item.version), item.doc)

    def _put(self, key: keys.Key, doc: str, version: int) -> None:
        check_next_version(version)
        m = self._model
        condition = m.pk.does_not_exist() if version == 1 else m.version == version - 1
        if not put(m(*key, doc=doc, version=version), condition):
            raise ConcurrentModificationError(f"{key[0]} changed (expected version {version - 1})")
