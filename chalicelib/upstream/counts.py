"""How the read-through cache answered, counted by day: `hit`, `miss`, `revalidated`, `stale`
(the copy kept, while the upstream did not answer) and `error` (no answer: a 502). Counted as
downloads are (downloads/counter.py: in each process's memory, stored in batches, so every
process and Lambda container adds to the same count), under names no npm package can have (a
name never starts with "-"). `/-/status` shows today's; on Lambda the metrics say each too."""

from __future__ import annotations

from chalicelib.downloads.counter import today
from chalicelib.storage.ports.downloads import DownloadStore
from chalicelib.upstream.cache import HIT, MISS, REVALIDATED, STALE

ERROR = "error"
KINDS = (HIT, MISS, REVALIDATED, STALE, ERROR)


def count_key(kind: str) -> str:
    return f"-upstream-{kind}"


def counts_today(downloads: DownloadStore) -> dict[str, int]:
    day = today()
    return {kind: downloads.daily(count_key(kind), day, day).get(day, 0) for kind in KINDS}
