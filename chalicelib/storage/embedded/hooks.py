"""The embedded HookStore: `hooks` (with an index by watched name and by owner), `deliveries`
(one row per event and hook, its attempts in the JSON doc) and the dispatcher's cursor."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict

from chalicelib.errors import ConcurrentModificationError
from chalicelib.storage.embedded.database import SqliteDatabase
from chalicelib.storage.records import DeliveryRecord, HookRecord


def _hook(doc: str) -> HookRecord:
    return HookRecord(**json.loads(doc))


def _delivery(doc: str) -> DeliveryRecord:
    data = json.loads(doc)
    return DeliveryRecord(**{**data, "log": tuple(data["log"])})


def _dump(record: HookRecord | DeliveryRecord) -> str:
    return json.dumps(asdict(record), separators=(",", ":"))


class SqliteHookStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def create_hook(self, hook: HookRecord) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO hooks (id, owner, type, name, doc) VALUES (?, ?, ?, ?, ?)",
                    (hook.id, hook.owner, hook.type, hook.name, _dump(hook)),
                )
        except sqlite3.IntegrityError as exc:
            raise ConcurrentModificationError(f"hook {hook.id} exists") from exc

    def get_hook(self, hook_id: str) -> HookRecord | None:
        rows = self._db.read("SELECT doc FROM hooks WHERE id = ?", (hook_id,))
        return _hook(str(rows[0][0])) if rows else None

    def replace_hook(self, hook: HookRecord) -> None:
        with self._db.transaction() as conn:
            cursor = conn.execute("UPDATE hooks SET doc = ? WHERE id = ?", (_dump(hook), hook.id))
        if cursor.rowcount != 1:
            raise ConcurrentModificationError(f"hook {hook.id} was removed")

    def delete_hook(self, hook_id: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM hooks WHERE id = ?", (hook_id,))

    def hooks_of(self, owner: str) -> list[HookRecord]:
        rows = self._db.read("SELECT doc FROM hooks WHERE owner = ?", (owner,))
        return sorted((_hook(str(r[0])) for r in rows), key=lambda h: (h.created, h.id))

    def watching(self, kind: str, name: str) -> list[HookRecord]:
        rows = self._db.read("SELECT doc FROM hooks WHERE type = ? AND name = ?", (kind, name))
        return sorted((_hook(str(r[0])) for r in rows), key=lambda h: h.id)

    def all_hooks(self) -> Iterator[HookRecord]:
        return (_hook(str(row[0])) for row in self._db.read("SELECT doc FROM hooks ORDER BY id"))

    def add_delivery(self, delivery: DeliveryRecord) -> bool:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO deliveries (id, hook, status, version, doc)"
                " VALUES (?, ?, ?, ?, ?)",
                (delivery.id, delivery.hook, delivery.status, delivery.version, _dump(delivery)),
            )
        return cursor.rowcount == 1

    def due_deliveries(self, now: float, limit: int) -> list[DeliveryRecord]:
        rows = self._db.read(
            "SELECT doc FROM deliveries WHERE status = 'pending'"
            " AND json_extract(doc, '$.next_attempt') <= ?"
            " ORDER BY json_extract(doc, '$.next_attempt'), id LIMIT ?",
            (now, limit),
        )
        return [_delivery(str(r[0])) for r in rows]

    def update_delivery(self, delivery: DeliveryRecord) -> None:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE deliveries SET status = ?, version = ?, doc = ?"
                " WHERE id = ? AND version = ?",
                (
                    delivery.status,
                    delivery.version,
                    _dump(delivery),
                    delivery.id,
                    delivery.version - 1,
                ),
            )
        if cursor.rowcount != 1:
            raise ConcurrentModificationError(f"delivery {delivery.id} moved on")

    def deliveries_of(self, hook_id: str, limit: int) -> list[DeliveryRecord]:
        rows = self._db.read(
            "SELECT doc FROM deliveries WHERE hook = ? ORDER BY id DESC LIMIT ?", (hook_id, limit)
        )
        return [_delivery(str(r[0])) for r in rows]

    def hook_cursor(self) -> int:
        return int(str(self._db.read("SELECT seq FROM hook_cursor WHERE id = 1")[0][0]))

    def move_hook_cursor(self, old: int, new: int) -> bool:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE hook_cursor SET seq = ? WHERE id = 1 AND seq = ?", (new, old)
            )
        return cursor.rowcount == 1
