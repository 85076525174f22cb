"""The DownloadStore on DynamoDB (keys in `keys.py`): per package, `DL#<package>`, an item per day
(`<day>`: the package's downloads that day) and per version and day (`<day>#<version>`), each
holding a number, `downloads`.

A batch is one UpdateItem `ADD` per key (DynamoDB has no batch of updates), sent on a few
threads at once: additions commute, so a retried or concurrent batch never loses a count.
A period is one Query per package over its days.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor

from pynamodb.attributes import NumberAttribute

from chalicelib.settings import Settings
from chalicelib.storage.aws import keys
from chalicelib.storage.aws.table import Item, model_for, scan_prefix, translated

_THREADS = 8


class DownloadItem(Item):
    downloads = NumberAttribute(default=0)


class DynamoDownloadStore:
    def __init__(self, settings: Settings) -> None:
        self._model = model_for(DownloadItem, settings)

    def add_counts(self, counts: Mapping[tuple[str, str, str], int]) -> None:
        updates: dict[tuple[str, str], int] = {}
        for (package, version, day), n in counts.items():
            key = keys.downloads(package, day)
            updates[key] = updates.get(key, 0) + n
            if version:
                versioned = keys.downloads(package, day, version)
                updates[versioned] = updates.get(versioned, 0) + n
        with ThreadPoolExecutor(max_workers=_THREADS) as pool:
            list(pool.map(self._add, updates.keys(), updates.values()))

    def _add(self, key: tuple[str, str], n: int) -> None:
        m = self._model
        with translated():
            m(key[0], key[1]).update(actions=[m.downloads.add(n)])

    def daily(self, package: str, start: str, end: str) -> dict[str, int]:
        m = self._model
        # The per-version items are kept for per-version counts (npm's /versions/), not served yet.
        condition = m.sk.between(*keys.downloads_days(start, end))
        with translated():
            items = m.query(keys.downloads_pk(package), condition)
            days = ((keys.downloads_day(item.sk), item) for item in items)
            return {day: int(item.downloads) for (day, version), item in days if not version}

    def all_counts(self) -> Iterator[tuple[str, str, str, int]]:
        # A day's item holds the versions' counts too: what is left over goes out as version "".
        days: dict[tuple[str, str], int] = {}
        for item in scan_prefix(self._model, keys.DOWNLOADS_PREFIX):
            package = keys.downloads_package(item.pk)
            day, version = keys.downloads_day(item.sk)
            n = int(item.downloads)
            if version:
                yield package, version, day, n
            days[package, day] = days.get((package, day), 0) + (-n if version else n)
        for (package, day), rest in days.items():
            if rest:
                yield package, "", day, rest
