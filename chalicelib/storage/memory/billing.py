"""The memory BillingStore: plans by scope and subscriptions by Stripe's id, each written only
at the next `version` (compare-and-swap under the lock)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from chalicelib.errors import ConcurrentModificationError
from chalicelib.storage.codec import check_next_version
from chalicelib.storage.memory.database import MemoryDatabase
from chalicelib.storage.records import PlanRecord, SubscriptionRecord

R = TypeVar("R", PlanRecord, SubscriptionRecord)


class MemoryBillingStore:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    def get_plan(self, scope: str) -> PlanRecord | None:
        with self._db.lock:
            return self._db.plans.get(scope)  # every field is immutable

    def put_plan(self, plan: PlanRecord) -> None:
        self._put(self._db.plans, plan.scope, plan)

    def get_subscription(self, subscription: str) -> SubscriptionRecord | None:
        with self._db.lock:
            return self._db.subscriptions.get(subscription)

    def put_subscription(self, subscription: SubscriptionRecord) -> None:
        self._put(self._db.subscriptions, subscription.id, subscription)

    def all_plans(self) -> Iterator[PlanRecord]:
        with self._db.lock:
            plans = sorted(self._db.plans.values(), key=lambda p: p.scope)
        return iter(plans)

    def all_subscriptions(self) -> Iterator[SubscriptionRecord]:
        with self._db.lock:
            subscriptions = sorted(self._db.subscriptions.values(), key=lambda s: s.id)
        return iter(subscriptions)

    def _put(self, table: dict[str, R], key: str, record: R) -> None:
        check_next_version(record.version)
        with self._db.lock:
            stored = table.get(key)
            if (0 if stored is None else stored.version) != record.version - 1:
                raise ConcurrentModificationError(
                    f"{key} changed (expected version {record.version - 1})"
                )
            table[key] = record
