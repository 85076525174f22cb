"""The embedded SearchStore: `search_entries` (one row per package) and `search_postings` (one
row per term and package, keyed by term and rank), so a term's best postings are one range
read.

Each entry keeps the package revision it was made from; a write of an older revision is
skipped inside the same transaction, so the index never goes back. A removal leaves its row
(doc `null`, no postings) to remember its revision."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from chalicelib.storage.embedded.database import SqliteDatabase
from chalicelib.storage.records import Posting, SearchEntry

_CHUNK = 500  # names per IN (…): well under SQLite's bound-parameter limit
_REMOVED = "null"  # the doc of a removal's row


class SqliteSearchStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def put_entries(self, entries: Sequence[SearchEntry]) -> None:
        with self._db.transaction() as conn:
            for entry in entries:
                if not _drop(conn, entry.name, entry.rev):
                    continue
                conn.execute(
                    "INSERT INTO search_entries (name, doc, terms, rank, access, rev)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        entry.name,
                        json.dumps(entry.doc, separators=(",", ":")),
                        json.dumps(entry.terms, separators=(",", ":")),
                        entry.rank,
                        entry.access,
                        entry.rev,
                    ),
                )
                conn.executemany(
                    "INSERT INTO search_postings (term, name, weight, rank, access)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [
                        (term, entry.name, weight, entry.rank, entry.access)
                        for term, weight in entry.terms.items()
                    ],
                )

    def remove_entry(self, name: str, rev: int) -> None:
        with self._db.transaction() as conn:
            if _drop(conn, name, rev):
                conn.execute(
                    "INSERT INTO search_entries (name, doc, terms, rank, access, rev)"
                    " VALUES (?, ?, '{}', 0, '', ?)",
                    (name, _REMOVED, rev),
                )

    def postings(self, term: str, limit: int) -> list[Posting]:
        rows = self._db.read(
            "SELECT name, weight, rank, access FROM search_postings WHERE term = ?"
            " ORDER BY rank DESC, name LIMIT ?",
            (term, limit),
        )
        return [
            Posting(str(name), float(str(weight)), float(str(rank)), str(access))
            for name, weight, rank, access in rows
        ]

    def entries(self, names: Sequence[str]) -> dict[str, SearchEntry]:
        unique = sorted(set(names))
        found: dict[str, SearchEntry] = {}
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = (
                "SELECT name, doc, terms, rank, access, rev FROM search_entries"  # noqa: S608
                f" WHERE name IN ({marks}) AND doc != ?"  # placeholders only
            )
            rows = self._db.read(sql, (*chunk, _REMOVED))
            for name, doc, terms, rank, access, rev in rows:
                found[str(name)] = SearchEntry(
                    str(name),
                    json.loads(str(doc)),
                    json.loads(str(terms)),
                    float(str(rank)),
                    str(access),
                    int(str(rev)),
                )
        return found


def _drop(conn: sqlite3.Connection, name: str, rev: int) -> bool:
    """Make way for revision `rev` of the entry: drop the stored entry and its postings, found
    by the terms and rank the entry lists (the postings' key is (term, rank, name): there is no
    index by name alone). False, dropping nothing, if the stored one is newer."""
    row = conn.execute(
        "SELECT terms, rank, rev FROM search_entries WHERE name = ?", (name,)
    ).fetchone()
    if row is None:
        return True
    if int(row[2]) > rev:
        return False
    terms, rank = json.loads(str(row[0])), float(row[1])
    conn.executemany(
        "DELETE FROM search_postings WHERE term = ? AND rank = ? AND name = ?",
        [(term, rank, name) for term in terms],
    )
    conn.execute("DELETE FROM search_entries WHERE name = ?", (name,))
    return True
