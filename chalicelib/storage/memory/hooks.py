"""The memory HookStore: hooks by id, deliveries by id (one per event and hook, moved on by
compare-and-swap of `version`) and the dispatcher's cursor."""

from __future__ import annotations

from collections.abc import Iterator

from chalicelib.errors import ConcurrentModificationError
from chalicelib.storage.memory.database import MemoryDatabase, copied
from chalicelib.storage.records import DeliveryRecord, HookRecord


class MemoryHookStore:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    def create_hook(self, hook: HookRecord) -> None:
        with self._db.lock:
            if hook.id in self._db.hooks:
                raise ConcurrentModificationError(f"hook {hook.id} exists")
            self._db.hooks[hook.id] = hook  # every field is immutable

    def get_hook(self, hook_id: str) -> HookRecord | None:
        with self._db.lock:
            return self._db.hooks.get(hook_id)

    def replace_hook(self, hook: HookRecord) -> None:
        with self._db.lock:
            if hook.id not in self._db.hooks:
                raise ConcurrentModificationError(f"hook {hook.id} was removed")
            self._db.hooks[hook.id] = hook

    def delete_hook(self, hook_id: str) -> None:
        with self._db.lock:
            self._db.hooks.pop(hook_id, None)

    def hooks_of(self, owner: str) -> list[HookRecord]:
        with self._db.lock:
            found = [h for h in self._db.hooks.values() if h.owner == owner]
        return sorted(found, key=lambda h: (h.created, h.id))

    def watching(self, kind: str, name: str) -> list[HookRecord]:
        with self._db.lock:
            found = [h for h in self._db.hooks.values() if h.type == kind and h.name == name]
        return sorted(found, key=lambda h: h.id)

    def all_hooks(self) -> Iterator[HookRecord]:
        with self._db.lock:
            hooks = sorted(self._db.hooks.values(), key=lambda h: h.id)
        return iter(hooks)

    def add_delivery(self, delivery: DeliveryRecord) -> bool:
        with self._db.lock:
            if delivery.id in self._db.deliveries:
                return False
            self._db.deliveries[delivery.id] = copied(delivery)
            return True

    def due_deliveries(self, now: float, limit: int) -> list[DeliveryRecord]:
        with self._db.lock:
            due = [
                d
                for d in self._db.deliveries.values()
                if d.status == "pending" and d.next_attempt <= now
            ]
            return copied(sorted(due, key=lambda d: (d.next_attempt, d.id))[:limit])

    def update_delivery(self, delivery: DeliveryRecord) -> None:
        with self._db.lock:
            stored = self._db.deliveries.get(delivery.id)
            if stored is None or stored.version != delivery.version - 1:
                raise ConcurrentModificationError(f"delivery {delivery.id} moved on")
            self._db.deliveries[delivery.id] = copied(delivery)

    def deliveries_of(self, hook_id: str, limit: int) -> list[DeliveryRecord]:
        with self._db.lock:
            found = [d for d in self._db.deliveries.values() if d.hook == hook_id]
            return copied(sorted(found, key=lambda d: d.id, reverse=True)[:limit])

    def hook_cursor(self) -> int:
        with self._db.lock:
            return self._db.hook_cursor

    def move_hook_cursor(self, old: int, new: int) -> bool:
        with self._db.lock:
            if self._db.hook_cursor != old:
                return False
            self._db.hook_cursor = new
            return True
