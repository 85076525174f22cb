"""The SearchStore on DynamoDB: an inverted index in the registry's table (keys in `keys.py`).

Each package has an entry, `SEARCH#<name>` / `ENTRY` (the result as served, its terms and rank as
JSON, its revision), what a page of results reads; a removal keeps the item, with no doc, to
remember its revision. Each of its terms has a posting, `TERM#<term>` / `<rank key>#<name>#<rev>`:
the rank key sorts best first, so a term's best postings are one Query with a Limit.

A derived index, written after the package and rebuildable from it. Writes of one package can
finish out of order, so the index goes by revision and never back:
1. a write puts its postings first (batch writes; each revision has keys of its own, so no
   write overwrites or deletes another's postings);
2. then swaps the entry: a conditional put on the `stamp` it read, so it knows exactly which
   entry it replaced, and only if that one is not newer;
3. then deletes the replaced entry's postings, or, when a newer entry won, its own.
Postings of revision 0 (written before revisions) keep their old keys, without `#<rev>`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.expressions.condition import Condition

from chalicelib.errors import ConcurrentModificationError
from chalicelib.settings import Settings
from chalicelib.storage.aws import keys
from chalicelib.storage.aws.table import Item, model_for, put, translated
from chalicelib.storage.codec import dumps
from chalicelib.storage.records import Posting, SearchEntry

# An entry swap that lost to another write of the same package reads the entry again; each
# loss means another write went through, so this is only reached under a storm of writes.
_ATTEMPTS = 10


class SearchItem(Item):
    """An entry (doc, terms) or a posting (name, weight): one model, so that one batch writes
    both kinds."""

    rank = NumberAttribute()
    access = UnicodeAttribute()
    doc = UnicodeAttribute(null=True)  # None: removed (an entry item) or a posting
    terms = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    weight = NumberAttribute(null=True)
    rev = NumberAttribute(null=True)  # None: written before revisions (0)
    stamp = UnicodeAttribute(null=True)  # the entry's: which write stored it


def _rev(item: SearchItem | None) -> int:
    return int(item.rev or 0) if item is not None else -1


class DynamoSearchStore:
    def __init__(self, settings: Settings) -> None:
        self._item = model_for(SearchItem, settings)

    def put_entries(self, entries: Sequence[SearchEntry]) -> None:
        latest: dict[str, SearchEntry] = {}
        for entry in entries:  # one write per key in a batch: the newest of each name
            if entry.name not in latest or latest[entry.name].rev <= entry.rev:
                latest[entry.name] = entry
        stored = self._stored(list(latest))
        fresh = [e for e in latest.values() if _rev(stored.get(e.name)) <= e.rev]
        self._write([p for e in fresh for p in self._postings_of(e)], [])
        for entry in fresh:
            self._swap(self._entry_item(entry), stored.get(entry.name))

    def remove_entry(self, name: str, rev: int) -> None:
        previous = self._stored([name]).get(name)
        if previous is None or _rev(previous) <= rev:
            removal = self._item(*keys.search_entry(name), rank=0, access="", rev=rev)
            self._swap(removal, previous)

    def postings(self, term: str, limit: int) -> list[Posting]:
        with translated():
            items = list(self._item.query(keys.term_pk(term), limit=limit))
        return [
            Posting(str(item.name), float(item.weight or 0), float(item.rank), item.access)
            for item in items
        ]

    def entries(self, names: Sequence[str]) -> dict[str, SearchEntry]:
        return {
            name: SearchEntry(
                name=name,
                doc=json.loads(item.doc),
                terms=json.loads(item.terms or "{}"),
                rank=float(item.rank),
                access=item.access,
                rev=int(item.rev or 0),
            )
            for name, item in self._stored(names).items()
            if item.doc is not None
        }

    def _stored(self, names: Sequence[str]) -> dict[str, SearchItem]:
        """The entry items of these names, removals included."""
        wanted = [keys.search_entry(name) for name in sorted(set(names))]
        with translated():
            items = list(self._item.batch_get(wanted, consistent_read=True))
        return {keys.search_entry_name(item.pk): item for item in items}

    def _swap(self, item: SearchItem, previous: SearchItem | None) -> None:
        """Store `item` (an entry or a removal) in place of `previous`, the one read, then drop
        the postings of whichever of the two lost."""
        name, rev = keys.search_entry_name(item.pk), _rev(item)
        mine = self._postings_of_item(item)
        for _ in range(_ATTEMPTS):
            item.stamp = uuid.uuid4().hex
            if put(item, self._unchanged(previous)):
                replaced = self._postings_of_item(previous)
                kept = {(p.pk, p.sk) for p in mine}
                self._write([], [p for p in replaced if (p.pk, p.sk) not in kept])
                return
            previous = self._stored([name]).get(name)
            if _rev(previous) > rev:
                self._write([], mine)
                return
        raise ConcurrentModificationError(f"the search entry of {name} is being changed")

    def _unchanged(self, previous: SearchItem | None) -> Condition:
        model = self._item
        if previous is None:
            return model.pk.does_not_exist()
        if previous.stamp is None:  # written before stamps
            return model.pk.exists() & model.stamp.does_not_exist()
        return model.stamp == previous.stamp

    def _write(self, saves: list[SearchItem], deletes: list[SearchItem]) -> None:
        if not saves and not deletes:
            return
        with translated(), self._item.batch_write() as batch:
            for each in deletes:
                batch.delete(each)
            for each in saves:
                batch.save(each)

    def _entry_item(self, entry: SearchEntry) -> SearchItem:
        return self._item(
            *keys.search_entry(entry.name),
            doc=dumps(entry.doc),
            terms=dumps(entry.terms),
            rank=entry.rank,
            access=entry.access,
            rev=entry.rev,
        )

    def _postings_of(self, entry: SearchEntry) -> list[SearchItem]:
        return [
            self._item(
                *keys.posting(term, entry.rank, entry.name, entry.rev),
                name=entry.name,
                weight=weight,
                rank=entry.rank,
                access=entry.access,
                rev=entry.rev,
            )
            for term, weight in entry.terms.items()
        ]

    def _postings_of_item(self, item: SearchItem | None) -> list[SearchItem]:
        if item is None or item.doc is None:
            return []
        name = keys.search_entry_name(item.pk)
        terms: dict[str, float] = json.loads(item.terms or "{}")
        entry = SearchEntry(name, {}, terms, float(item.rank), item.access, _rev(item))
        return self._postings_of(entry)
