"""The HookStore on DynamoDB (keys in `keys.py`): a hook (JSON `doc`) with a copy under its owner,
for their list, and one under what it watches, for the hooks a change concerns; a delivery and its
attempts (`doc`, `version`) with a copy in the queue while it is pending, for the worker; and the
dispatcher's cursor, the last change-log seq dispatched (`version`).

The copies are written in the hook's (or the delivery's) own transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.errors import ConcurrentModificationError
from chalicelib.settings import Settings
from chalicelib.storage.aws import keys
from chalicelib.storage.aws.table import (
    CONDITION_FAILED,
    Item,
    commit,
    get,
    model_for,
    put,
    query_prefix,
    scan_prefix,
    table_for,
)
from chalicelib.storage.records import DeliveryRecord, HookRecord


class HookItem(Item):
    doc = UnicodeAttribute()
    version = NumberAttribute(default=1)


def _dump(record: HookRecord | DeliveryRecord) -> str:
    return json.dumps(asdict(record), separators=(",", ":"))


def _delivery(doc: str) -> DeliveryRecord:
    data = json.loads(doc)
    return DeliveryRecord(**{**data, "log": tuple(data["log"])})


class DynamoHookStore:
    def __init__(self, settings: Settings) -> None:
        self._m = model_for(HookItem, settings)
        self._t = table_for(settings)

    def _copies(self, hook: HookRecord) -> list[HookItem]:
        doc = _dump(hook)
        m = self._m
        return [
            m(*keys.hook(hook.id), doc=doc),
            m(*keys.hook_of(hook.owner, hook.id), doc=doc),
            m(*keys.watch(hook.type, hook.name, hook.id), doc=doc),
        ]

    def create_hook(self, hook: HookRecord) -> None:
        first, *rest = self._copies(hook)
        codes = commit(self._t, [(first, self._m.pk.does_not_exist()), *((i, None) for i in rest)])
        if codes is not None:
            raise ConcurrentModificationError(f"hook {hook.id} exists")

    def get_hook(self, hook_id: str) -> HookRecord | None:
        item = get(self._m, *keys.hook(hook_id))
        return None if item is None else HookRecord(**json.loads(item.doc))

    def replace_hook(self, hook: HookRecord) -> None:
        # Only a hook that still exists: an update racing a delete must not bring it back.
        first, *rest = self._copies(hook)
        codes = commit(self._t, [(first, self._m.pk.exists()), *((i, None) for i in rest)])
        if codes is not None:
            raise ConcurrentModificationError(f"hook {hook.id} was removed or is being changed")

    def delete_hook(self, hook_id: str) -> None:
        hook = self.get_hook(hook_id)
        if hook is not None:
            commit(self._t, [], deletes=self._copies(hook))

    def hooks_of(self, owner: str) -> list[HookRecord]:
        items = query_prefix(self._m, keys.user_pk(owner), keys.HOOK_OF_PREFIX)
        hooks = [HookRecord(**json.loads(item.doc)) for item in items]
        return sorted(hooks, key=lambda h: (h.created, h.id))

    def watching(self, kind: str, name: str) -> list[HookRecord]:
        items = query_prefix(self._m, keys.watch_pk(kind, name))
        return [HookRecord(**json.loads(item.doc)) for item in items]

    def all_hooks(self) -> Iterator[HookRecord]:
        items = scan_prefix(self._m, keys.HOOK_PREFIX, keys.HOOK_SK)
        return (HookRecord(**json.loads(item.doc)) for item in items)

    def add_delivery(self, delivery: DeliveryRecord) -> bool:
        m = self._m
        doc, new = _dump(delivery), m.pk.does_not_exist()
        codes = commit(
            self._t,
            [
                (m(*keys.delivery(delivery.hook, delivery.id), doc=doc, version=1), new),
                (m(*keys.queued_delivery(delivery.id), doc=doc, version=1), None),
            ],
        )
        if codes is None:
            return True
        if codes[0] == CONDITION_FAILED:
            return False
        raise ConcurrentModificationError(f"delivery {delivery.id} is being added")

    def due_deliveries(self, now: float, limit: int) -> list[DeliveryRecord]:
        # The queue holds only pending deliveries, which stay few: the whole partition is read
        # and sorted here (a time-ordered sort key would make a reschedule a delete and a put).
        pending = [_delivery(item.doc) for item in query_prefix(self._m, keys.HOOK_QUEUE_PK)]
        due = sorted(
            (d for d in pending if d.next_attempt <= now), key=lambda d: (d.next_attempt, d.id)
        )
        return due[:limit]

    def update_delivery(self, delivery: DeliveryRecord) -> None:
        m = self._m
        doc = _dump(delivery)
        stored = m(*keys.delivery(delivery.hook, delivery.id), doc=doc, version=delivery.version)
        queued = m(*keys.queued_delivery(delivery.id), doc=doc, version=delivery.version)
        pending = delivery.status == "pending"
        codes = commit(
            self._t,
            [(stored, m.version == delivery.version - 1), *([(queued, None)] if pending else [])],
            deletes=[] if pending else [queued],
        )
        if codes is not None:
            raise ConcurrentModificationError(f"delivery {delivery.id} moved on")

    def deliveries_of(self, hook_id: str, limit: int) -> list[DeliveryRecord]:
        items = query_prefix(self._m, keys.deliveries_pk(hook_id))
        return [_delivery(item.doc) for item in reversed(items)][:limit]

    def hook_cursor(self) -> int:
        item = get(self._m, *keys.hook_cursor())
        return 0 if item is None else int(item.version)

    def move_hook_cursor(self, old: int, new: int) -> bool:
        m = self._m
        condition = m.pk.does_not_exist() if old == 0 else m.version == old
        if old == 0:
            condition = condition | (m.version == 0)
        return put(m(*keys.hook_cursor(), doc="{}", version=new), condition)
