"""The DownloadStore on DynamoDB.

Item layout (pk / sk):
    DL#<package>   <day>             the package's downloads that day (`downloads`)
    DL#<package>   <day>#<version>   one version's downloads that day

A batch is one UpdateItem `ADD` per key (DynamoDB has no batch of updates), sent on a few
threads at once: additions commute, so a retried or concurrent batch never loses a count.
A period is one Query per package over its days.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor

from pynamodb.attributes import NumberAttribute

from chalicelib.settings import Settings
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
            key = (f"DL#{package}", day)
            updates[key] = updates.get(key, 0) + n
            if version:
                versioned = (f"DL#{package}", f"{day}#{version}")
                updates[versioned] = updates.get(versioned, 0) + n
        with ThreadPoolExecutor(max_workers=_THREADS) as pool:
            list(pool.map(self._add, updates.keys(), updates.values()))

    def _add(self, key: tuple[str, str], n: int) -> None:
        m = self._model
        with translated():
            m(key[0], key[1]).update(actions=[m.downloads.add(n)])

    def daily(self, package: str, start: str, end: str) -> dict[str, int]:
        m = self._model
        # "~" sorts after every "#<version>" of the last day; the per-version items are kept for
        # per-version counts (npm's /versions/), not served yet.
        condition = m.sk.between(start, f"{end}~")
        with translated():
            items = m.query(f"DL#{package}", condition)
            return {item.sk: int(item.downloads) for item in items if "#" not in item.sk}

    def all_counts(self) -> Iterator[tuple[str, str, str, int]]:
        # A day's item holds the versions' counts too: what is left over goes out as version "".
        days: dict[tuple[str, str], int] = {}
        for item in scan_prefix(self._model, "DL#"):
            package = item.pk.removeprefix("DL#")
            day, _, version = item.sk.partition("#")
            n = int(item.downloads)
            if version:
                yield package, version, day, n
            days[package, day] = days.get((package, day), 0) + (-n if version else n)
        for (package, day), rest in days.items():
            if rest:
                yield package, "", day, rest
