"""The memory SearchStore: entries by name, and per term the postings by name, read best rank
first. Each entry keeps the package revision it was made from (a removal keeps its revision
too, with no entry), and a write of an older revision is skipped: the index never goes back."""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from chalicelib.storage.memory.database import MemoryDatabase, copied
from chalicelib.storage.records import Posting, SearchEntry


class MemorySearchStore:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    def put_entries(self, entries: Sequence[SearchEntry]) -> None:
        with self._db.lock:
            for entry in entries:
                if not self._drop(entry.name, entry.rev):
                    continue
                self._db.search_entries[entry.name] = (entry.rev, copied(entry))
                for term, weight in entry.terms.items():
                    posting = Posting(entry.name, float(weight), float(entry.rank), entry.access)
                    self._db.search_postings.setdefault(term, {})[entry.name] = posting

    def remove_entry(self, name: str, rev: int) -> None:
        with self._db.lock:
            if self._drop(name, rev):
                self._db.search_entries[name] = (rev, None)

    def postings(self, term: str, limit: int) -> list[Posting]:
        with self._db.lock:
            found = list(self._db.search_postings.get(term, {}).values())
        return heapq.nsmallest(limit, found, key=lambda p: (-p.rank, p.name))

    def entries(self, names: Sequence[str]) -> dict[str, SearchEntry]:
        found: dict[str, SearchEntry] = {}
        with self._db.lock:
            for name in set(names):
                _, entry = self._db.search_entries.get(name, (0, None))
                if entry is not None:
                    found[name] = copied(entry)
        return found

    def _drop(self, name: str, rev: int) -> bool:
        """Make way for revision `rev`: drop the stored entry and its postings. False, dropping
        nothing, if the stored one (or removal) is of a newer revision."""
        stored = self._db.search_entries.get(name)
        if stored is None:
            return True
        stored_rev, entry = stored
        if stored_rev > rev:
            return False
        if entry is not None:
            for term in entry.terms:
                postings = self._db.search_postings.get(term, {})
                postings.pop(name, None)
                if not postings:
                    self._db.search_postings.pop(term, None)
        del self._db.search_entries[name]
        return True
