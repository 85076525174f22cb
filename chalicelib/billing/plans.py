"""Plans for private packages, and what a plan's standing allows (the policy: docs/billing.md).

A restricted package needs an active plan for the owner of its scope (a user or an org; both own
a scope of their name, so plans are kept by scope). The plan follows the payment provider's
subscription (`webhooks.py` keeps it current) unless an operator has set it (`tarbox plan set`).

- `active` and `trialing`: private publishing is open.
- `past_due`: still open for a grace period (`TARBOX_PLAN_GRACE_DAYS`, from the first past_due
  event), with an `npm-notice` on responses to members.
- anything else (`canceled`, `unpaid`, `incomplete`, `paused` …), or past_due after the grace
  period: no new private packages, no new versions of private packages and no switches to
  private (402). Existing private packages stay private and installable by their members: a
  lapse never makes anything public and never deletes anything.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from chalicelib.clock import now_iso
from chalicelib.errors import InvalidPayloadError, NotFoundError, PaymentRequiredError
from chalicelib.registry import Registry
from chalicelib.settings import Settings
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.ports.billing import BillingStore
from chalicelib.storage.records import PlanRecord, SubscriptionRecord
from chalicelib.writes.retries import with_retries

PRIVATE_NEEDS_PLAN = "You must sign up for private packages"

ACTIVE, GRACE, LAPSED, NONE = "active", "grace", "lapsed", "none"
OPEN_STATUSES = frozenset({"active", "trialing"})
PAST_DUE = "past_due"
# What an operator may set; "stripe" clears the setting, so the subscription decides again.
OPERATOR_STATUSES = ("active", "canceled")
FOLLOW_PROVIDER = "stripe"
DAY = 86_400


@dataclass(frozen=True)
class Standing:
    scope: str
    state: str  # ACTIVE | GRACE | LAPSED | NONE
    status: str | None = None  # the subscription (or operator) status it comes from
    source: str = "none"  # "operator" | "stripe" | "none"
    grace_ends: int | None = None  # unix seconds, while in GRACE

    @property
    def allows_private_publishing(self) -> bool:
        return self.state in (ACTIVE, GRACE)

    def notice(self) -> str | None:
        """The `npm-notice` members see (npm-registry-fetch logs it as `npm notice`)."""
        if self.state == GRACE and self.grace_ends is not None:
            return (
                f"The plan for @{self.scope}'s private packages is past due: private publishing "
                f"stops at {_iso(self.grace_ends)} unless it is paid"
            )
        if self.state == LAPSED:
            return (
                f"The plan for @{self.scope}'s private packages has lapsed ({self.status}): they "
                "stay private and installable by their members, but publishing private packages "
                "needs a renewed plan"
            )
        return None


def standing_of(
    plan: PlanRecord | None,
    subscription: SubscriptionRecord | None,
    *,
    now: float,
    grace_seconds: int,
) -> Standing:
    """Pure: the standing of a scope's plan at `now`."""
    if plan is None:
        return Standing("", NONE)
    if plan.override is not None:
        state = ACTIVE if plan.override in OPEN_STATUSES else LAPSED
        return Standing(plan.scope, state, plan.override, "operator")
    if subscription is None:
        return Standing(plan.scope, NONE)
    status = subscription.status
    if status in OPEN_STATUSES:
        return Standing(plan.scope, ACTIVE, status, "stripe")
    if status == PAST_DUE:
        since = subscription.past_due_since or subscription.changed
        ends = since + grace_seconds
        state = GRACE if now < ends else LAPSED
        return Standing(plan.scope, state, status, "stripe", ends if state == GRACE else None)
    return Standing(plan.scope, LAPSED, status, "stripe")


def standing(billing: BillingStore, settings: Settings, scope: str) -> Standing:
    plan = billing.get_plan(scope)
    subscription = None
    if plan is not None and plan.override is None and plan.subscription:
        subscription = billing.get_subscription(plan.subscription)
    return _standing(settings, scope, plan, subscription)


def _standing(
    settings: Settings,
    scope: str,
    plan: PlanRecord | None,
    subscription: SubscriptionRecord | None,
) -> Standing:
    grace = settings.plan_grace_days * DAY
    found = standing_of(plan, subscription, now=time.time(), grace_seconds=grace)
    return replace(found, scope=scope)


def require_private_plan(billing: BillingStore, settings: Settings, scope: str) -> Standing:
    """402 unless the owner of `scope` may publish private packages now."""
    found = standing(billing, settings, scope)
    if found.allows_private_publishing:
        return found
    if found.state == LAPSED:
        raise PaymentRequiredError(
            f"{PRIVATE_NEEDS_PLAN}: the plan for @{scope} has lapsed ({found.status})"
        )
    raise PaymentRequiredError(PRIVATE_NEEDS_PLAN)


# --- the operator's `tarbox plan show|set` ------------------------------------------------------


def show_plan(registry: Registry, scope: str) -> dict[str, Any]:
    _require_scope(registry.accounts, scope)
    plan = registry.billing.get_plan(scope)
    subscription = (
        registry.billing.get_subscription(plan.subscription)
        if plan is not None and plan.subscription
        else None
    )
    found = _standing(registry.settings, scope, plan, subscription)
    return {
        "scope": scope,
        "standing": found.state,
        "private_publishing": found.allows_private_publishing,
        "status": found.status,
        "source": found.source,
        "grace_ends": _iso(found.grace_ends) if found.grace_ends else None,
        "override": plan.override if plan else None,
        "customer": plan.customer if plan else None,
        "subscription": plan.subscription if plan else None,
        "subscription_status": subscription.status if subscription else None,
    }


def set_plan(registry: Registry, scope: str, status: str) -> dict[str, Any]:
    """Set a scope's plan by hand (a comped account, a plan paid outside the provider), or
    `stripe` to let the subscription decide again."""
    if status not in (*OPERATOR_STATUSES, FOLLOW_PROVIDER):
        choices = ", ".join((*OPERATOR_STATUSES, FOLLOW_PROVIDER))
        raise InvalidPayloadError(f"A plan can be set to {choices}, not {status!r}")
    _require_scope(registry.accounts, scope)
    override = None if status == FOLLOW_PROVIDER else status

    def attempt() -> None:
        plan = registry.billing.get_plan(scope) or PlanRecord(scope)
        registry.billing.put_plan(
            replace(plan, override=override, updated=now_iso(), version=plan.version + 1)
        )

    with_retries(attempt)
    return show_plan(registry, scope)


def _require_scope(accounts: AccountStore, scope: str) -> None:
    if accounts.get_scope(scope) is None:
        raise NotFoundError(f"No user or org owns the scope @{scope}")


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
