"""DynamoEphemeralStore: short-lived items on the registry's table (`keys.ephemeral`).

`expires` (unix seconds) is the table's TTL attribute, but DynamoDB deletes expired items only
eventually (typically within days), so every condition treats an item whose `expires` has passed
as missing: `put_new` may overwrite it, `replace` and `delete` refuse it, `get` hides it.

A counter (`increment`) is an item with doc `{}` whose `version` is the count in its window:
an UpdateItem `ADD version 1` on the condition that the window is live, else a conditional put
of a fresh window (count 1) on the condition that none is live, retried when the two race.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from chalicelib.errors import ConcurrentModificationError, ConflictError
from chalicelib.settings import Settings
from chalicelib.storage.aws import keys
from chalicelib.storage.aws.table import EphemeralItem, delete, get, put, table_for, update
from chalicelib.storage.codec import dumps
from chalicelib.storage.records import Expiring

# Each round loses only to a writer that made progress (opened a window, or it expired between
# the two calls), so a handful of rounds is plenty.
_INCREMENT_ROUNDS = 10


class DynamoEphemeralStore:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self._model = table_for(settings).ephemeral
        self._clock = clock

    def _item(self, item: Expiring) -> EphemeralItem:
        return self._model(
            *keys.ephemeral(item.kind, item.key),
            kind=item.kind,
            key=item.key,
            doc=dumps(item.doc),
            expires=item.expires,
            version=item.version,
        )

    def put_new(self, item: Expiring) -> None:
        m = self._model
        missing = m.pk.does_not_exist() | (m.expires <= self._clock())
        if not put(self._item(item), missing):
            raise ConflictError(f"{item.kind} {item.key!r} exists")

    def get(self, kind: str, key: str) -> Expiring | None:
        item = get(self._model, *keys.ephemeral(kind, key))
        if item is None or item.expires <= self._clock():
            return None
        return Expiring(
            kind=item.kind,
            key=item.key,
            doc=json.loads(item.doc),
            expires=float(item.expires),
            version=int(item.version),
        )

    def replace(self, item: Expiring, expected_version: int) -> None:
        if item.version != expected_version + 1:
            raise ValueError(f"replace needs version {expected_version + 1}, got {item.version}")
        m = self._model
        live_at = (m.version == expected_version) & (m.expires > self._clock())
        if not put(self._item(item), live_at):
            raise ConcurrentModificationError(
                f"{item.kind} {item.key!r} is gone or not at version {expected_version}"
            )

    def delete(self, kind: str, key: str, expected_version: int | None = None) -> bool:
        m = self._model
        condition = m.expires > self._clock()
        if expected_version is not None:
            condition &= m.version == expected_version
        return delete(m(*keys.ephemeral(kind, key)), condition)

    def increment(self, kind: str, key: str, window_seconds: float) -> int:
        m = self._model
        key_of = keys.ephemeral(kind, key)
        for _ in range(_INCREMENT_ROUNDS):
            now = self._clock()
            counter = m(*key_of)
            if update(counter, [m.version.add(1)], m.expires > now):
                return int(counter.version)
            fresh = m(
                *key_of,
                kind=kind,
                key=key,
                doc="{}",
                expires=now + window_seconds,
                version=1,
            )
            if put(fresh, m.pk.does_not_exist() | (m.expires <= now)):
                return 1
        raise ConcurrentModificationError(f"{kind} {key!r}: too many racing increments")
