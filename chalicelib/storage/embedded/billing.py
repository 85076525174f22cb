"""The embedded BillingStore: tables `plans` (scope) and `subscriptions` (Stripe's id), each row
a JSON doc with a `version` that every write compares and swaps in one transaction."""

from __future__ import annotations

from collections.abc import Iterator

from chalicelib.errors import ConcurrentModificationError
from chalicelib.storage.codec import (
    check_next_version,
    plan_from_json,
    plan_to_json,
    subscription_from_json,
    subscription_to_json,
)
from chalicelib.storage.embedded.database import SqliteDatabase
from chalicelib.storage.records import PlanRecord, SubscriptionRecord

_TABLES = {"plans": "scope", "subscriptions": "id"}


class SqliteBillingStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def get_plan(self, scope: str) -> PlanRecord | None:
        row = self._get("plans", scope)
        return None if row is None else plan_from_json(scope, row[0], row[1])

    def put_plan(self, plan: PlanRecord) -> None:
        self._put("plans", plan.scope, plan_to_json(plan), plan.version)

    def get_subscription(self, subscription: str) -> SubscriptionRecord | None:
        row = self._get("subscriptions", subscription)
        return None if row is None else subscription_from_json(subscription, row[0], row[1])

    def put_subscription(self, subscription: SubscriptionRecord) -> None:
        self._put(
            "subscriptions",
            subscription.id,
            subscription_to_json(subscription),
            subscription.version,
        )

    def all_plans(self) -> Iterator[PlanRecord]:
        rows = self._db.read("SELECT scope, version, doc FROM plans ORDER BY scope")
        return (plan_from_json(str(k), int(str(v)), str(doc)) for k, v, doc in rows)

    def all_subscriptions(self) -> Iterator[SubscriptionRecord]:
        rows = self._db.read("SELECT id, version, doc FROM subscriptions ORDER BY id")
        return (subscription_from_json(str(k), int(str(v)), str(doc)) for k, v, doc in rows)

    def _get(self, table: str, key: str) -> tuple[int, str] | None:
        column = _TABLES[table]
        rows = self._db.read(f"SELECT version, doc FROM {table} WHERE {column} = ?", (key,))  # noqa: S608 - fixed names
        return (int(str(rows[0][0])), str(rows[0][1])) if rows else None

    def _put(self, table: str, key: str, doc: str, version: int) -> None:
        check_next_version(version)
        column = _TABLES[table]
        with self._db.transaction() as conn:
            if version == 1:
                cursor = conn.execute(
                    f"INSERT OR IGNORE INTO {table} ({column}, doc, version) VALUES (?, ?, 1)",  # noqa: S608
                    (key, doc),
                )
            else:
                cursor = conn.execute(
                    f"UPDATE {table} SET doc = ?, version = ? WHERE {column} = ? AND version = ?",  # noqa: S608
                    (doc, version, key, version - 1),
                )
        if cursor.rowcount != 1:
            raise ConcurrentModificationError(f"{key} changed (expected version {version - 1})")
