"""The SearchStore on DynamoDB: an inverted index in the registry's table.

Item layout (pk / sk):
    SEARCH#<name>   ENTRY                 the package's entry (the result as served, its terms
                                          and rank as JSON), what a page of results reads
    TERM#<term>     <rank key>#<name>     one posting; the rank key sorts best first, so a term's
                                          best postings are one Query with a Limit

A derived index, written after the package (batch writes, like the dependents index) and
rebuildable from the packages: `put_entries` reads the old entries for the postings to remove.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.settings import Settings
from chalicelib.storage.dynamo_models import Item, model_for, translated
from chalicelib.storage.ports import Posting, SearchEntry
from chalicelib.storage.records import dumps

ENTRY_SK = "ENTRY"
_RANK_SCALE = 10**8


class SearchItem(Item):
    """An entry (doc, terms) or a posting (name, weight): one model, so that one batch writes
    both kinds."""

    rank = NumberAttribute()
    access = UnicodeAttribute()
    doc = UnicodeAttribute(null=True)
    terms = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    weight = NumberAttribute(null=True)


def _rank_key(rank: float, name: str) -> str:
    # Ascending sort keys, best rank first: the complement of the scaled rank, fixed width.
    return f"{_RANK_SCALE - round(min(max(rank, 0.0), 1.0) * _RANK_SCALE):09d}#{name}"


class DynamoSearchStore:
    def __init__(self, settings: Settings) -> None:
        self._item = model_for(SearchItem, settings)

    def put_entries(self, entries: Sequence[SearchEntry]) -> None:
        latest = {entry.name: entry for entry in entries}  # one write per key in a batch
        old = self.entries(list(latest))
        fresh = {(p.pk, p.sk): p for e in latest.values() for p in self._postings_of(e)}
        stale = [p for e in old.values() for p in self._postings_of(e) if (p.pk, p.sk) not in fresh]
        with translated(), self._item.batch_write() as batch:
            for item in stale:
                batch.delete(item)
            for item in fresh.values():
                batch.save(item)
            for entry in latest.values():
                batch.save(self._entry_item(entry))

    def remove_entry(self, name: str) -> None:
        previous = self.entries([name]).get(name)
        if previous is None:
            return
        with translated(), self._item.batch_write() as batch:
            for item in self._postings_of(previous):
                batch.delete(item)
            batch.delete(self._entry_item(previous))

    def postings(self, term: str, limit: int) -> list[Posting]:
        with translated():
            items = list(self._item.query(f"TERM#{term}", limit=limit))
        return [
            Posting(str(item.name), float(item.weight or 0), float(item.rank), item.access)
            for item in items
        ]

    def entries(self, names: Sequence[str]) -> dict[str, SearchEntry]:
        keys = [(f"SEARCH#{name}", ENTRY_SK) for name in sorted(set(names))]
        with translated():
            items = list(self._item.batch_get(keys))
        return {
            item.pk.removeprefix("SEARCH#"): SearchEntry(
                name=item.pk.removeprefix("SEARCH#"),
                doc=json.loads(item.doc or "{}"),
                terms=json.loads(item.terms or "{}"),
                rank=float(item.rank),
                access=item.access,
            )
            for item in items
        }

    def _entry_item(self, entry: SearchEntry) -> SearchItem:
        return self._item(
            f"SEARCH#{entry.name}",
            ENTRY_SK,
            doc=dumps(entry.doc),
            terms=dumps(entry.terms),
            rank=entry.rank,
            access=entry.access,
        )

    def _postings_of(self, entry: SearchEntry) -> list[SearchItem]:
        return [
            self._item(
                f"TERM#{term}",
                _rank_key(entry.rank, entry.name),
                name=entry.name,
                weight=weight,
                rank=entry.rank,
                access=entry.access,
            )
            for term, weight in entry.terms.items()
        ]
