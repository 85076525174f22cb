"""SearchStore: the inverted index behind npm search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chalicelib.storage.records import Posting, SearchEntry


class SearchStore(Protocol):
    """An inverted index: per term, the packages it finds, best rank first. Reading one term's
    best postings is one range read, however many packages there are."""

    def put_entries(self, entries: Sequence[SearchEntry]) -> None:
        """Replace each package's entry and postings (the old terms' postings go), unless
        the stored entry (or removal) is of a newer revision: then that entry is left as is."""

    def remove_entry(self, name: str, rev: int) -> None:
        """Remove the entry and its postings as of revision `rev` (a package unpublished at
        it): an entry of a newer revision stays, and an older one cannot be put back."""

    def postings(self, term: str, limit: int) -> list[Posting]:
        """Up to `limit` postings of `term`, by rank, best first (ties by name)."""

    def entries(self, names: Sequence[str]) -> dict[str, SearchEntry]:
        """The entries that exist among `names`: one batch read."""
