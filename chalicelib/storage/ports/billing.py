"""BillingStore: scopes' plans and the payment provider's subscriptions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from chalicelib.storage.records import PlanRecord, SubscriptionRecord


class BillingStore(Protocol):
    """Plans and subscriptions. Writes compare-and-swap `version`: a record is written only if
    the stored one is at `version - 1` (a missing one counts as 0), else
    ConcurrentModificationError."""

    def get_plan(self, scope: str) -> PlanRecord | None: ...

    def put_plan(self, plan: PlanRecord) -> None: ...

    def get_subscription(self, subscription: str) -> SubscriptionRecord | None: ...

    def put_subscription(self, subscription: SubscriptionRecord) -> None: ...

    def all_plans(self) -> Iterator[PlanRecord]:
        """Every plan, in no order: for `tarbox export`."""

    def all_subscriptions(self) -> Iterator[SubscriptionRecord]:
        """Every subscription, in no order: for `tarbox export`."""
