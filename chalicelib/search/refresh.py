"""Search popularity kept fresh off the request path.

An entry's popularity is its package's last 30 days of downloads, taken when it is indexed, and
a package nobody publishes to is indexed by nobody: so the background worker (the hooks thread
of `tarbox serve`, the HookWorker function on AWS) walks the whole change log once a day
(`TARBOX_SEARCH_REFRESH_HOURS`), a slice per round, and indexes each package again. Where the
pass is lives in one short-lived item (`EphemeralStore`, kind "search-refresh"): lost, the next
pass simply starts from the top.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from chalicelib.errors import ConflictError
from chalicelib.registry import Registry
from chalicelib.search.indexing import index_names
from chalicelib.storage.ports.ephemeral import EphemeralStore
from chalicelib.storage.records import JSON, Expiring

KIND = "search-refresh"
KEY = "pass"
SLICE = 100  # changes per round: one batch read of their packages
_KEEP = 30 * 24 * 3600.0


def refresh_slice(registry: Registry, clock: Callable[[], float] = time.time) -> int:
    """Index the packages of the next slice of the log; returns how many (0 between passes).
    Two workers at once do a slice twice at worst: indexing is idempotent."""
    every = registry.settings.search_refresh_hours * 3600.0
    if every <= 0:
        return 0
    now = clock()
    item = registry.ephemeral.get(KIND, KEY)
    state: JSON = dict(item.doc) if item is not None else {"seq": 0, "started": now}
    if state.get("done"):
        if now - float(state["started"]) < every:
            return 0
        state = {"seq": 0, "started": now}
    page = registry.changes.changes_since(int(state["seq"]), SLICE)
    names = list(dict.fromkeys(change.name for change in page))
    count = index_names(registry, names) if names else 0
    state = {**state, "seq": page[-1].seq} if page else {**state, "done": True}
    _save(registry.ephemeral, item, state, now)
    return count


def _save(ephemeral: EphemeralStore, item: Expiring | None, state: JSON, now: float) -> None:
    try:
        if item is None:
            ephemeral.put_new(Expiring(KIND, KEY, state, now + _KEEP))
        else:
            fresh = Expiring(KIND, KEY, state, now + _KEEP, item.version + 1)
            ephemeral.replace(fresh, item.version)
    except ConflictError:
        pass  # another worker moved it on first: it goes on from there
