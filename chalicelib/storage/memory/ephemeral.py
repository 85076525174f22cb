"""The memory EphemeralStore: (kind, key) -> item. An item whose `expires` has passed is missing
to every reader and writer, as on the other backends; writes that start something new sweep the
expired ones out now and then, so abandoned sessions and rate windows do not pile up.

A counter (`increment`) is an item with doc `{}` whose `version` is the count in its window.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from chalicelib.errors import ConcurrentModificationError, ConflictError
from chalicelib.storage.codec import check_kind
from chalicelib.storage.memory.database import MemoryDatabase, copied
from chalicelib.storage.records import Expiring

SWEEP_SECONDS = 60.0  # how often (at most) a write walks the items to drop expired ones


class MemoryEphemeralStore:
    def __init__(self, db: MemoryDatabase, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    def put_new(self, item: Expiring) -> None:
        check_kind(item.kind)
        now = self._clock()
        with self._db.lock:
            self._sweep(now)
            if self._live(item.kind, item.key, now) is not None:
                raise ConflictError(f"{item.kind} {item.key!r} exists")
            self._db.ephemeral[(item.kind, item.key)] = copied(item)

    def get(self, kind: str, key: str) -> Expiring | None:
        with self._db.lock:
            return copied(self._live(kind, key, self._clock()))

    def replace(self, item: Expiring, expected_version: int) -> None:
        if item.version != expected_version + 1:
            raise ValueError(f"replace needs version {expected_version + 1}, got {item.version}")
        with self._db.lock:
            stored = self._live(item.kind, item.key, self._clock())
            if stored is None or stored.version != expected_version:
                raise ConcurrentModificationError(
                    f"{item.kind} {item.key!r} is gone or not at version {expected_version}"
                )
            self._db.ephemeral[(item.kind, item.key)] = copied(item)

    def delete(self, kind: str, key: str, expected_version: int | None = None) -> bool:
        with self._db.lock:
            stored = self._live(kind, key, self._clock())
            if stored is None or expected_version not in (None, stored.version):
                return False
            del self._db.ephemeral[(kind, key)]
            return True

    def increment(self, kind: str, key: str, window_seconds: float) -> int:
        check_kind(kind)
        now = self._clock()
        with self._db.lock:
            stored = self._live(kind, key, now)
            if stored is None:
                self._sweep(now)
                counter = Expiring(kind, key, {}, now + window_seconds, 1)
            else:
                counter = Expiring(kind, key, {}, stored.expires, stored.version + 1)
            self._db.ephemeral[(kind, key)] = counter
            return counter.version

    def _live(self, kind: str, key: str, now: float) -> Expiring | None:
        item = self._db.ephemeral.get((kind, key))
        return item if item is not None and item.expires > now else None

    def _sweep(self, now: float) -> None:
        db = self._db
        if now < db.next_sweep:
            return
        db.next_sweep = now + SWEEP_SECONDS
        for gone in [k for k, item in db.ephemeral.items() if item.expires <= now]:
            del db.ephemeral[gone]
