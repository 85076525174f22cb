"""SearchStore contract: postings by rank, best first, up to a limit; replacing an entry drops
its old postings; removing drops everything; entries read back as written."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from chalicelib.storage.ports.search import SearchStore
from chalicelib.storage.records import Posting, SearchEntry
from tests.contract.support import run_threads


def entry(name: str, rank: float, *terms: str, access: str = "public", rev: int = 1) -> SearchEntry:
    return SearchEntry(
        name=name,
        doc={"name": name, "description": f"the {name} package", "keywords": ["ü"]},
        terms={term: 1.0 + i for i, term in enumerate(terms)},
        rank=rank,
        access=access,
        rev=rev,
    )


def test_postings_come_best_first_up_to_the_limit(search_store: SearchStore) -> None:
    search_store.put_entries(
        [
            entry("low", 0.1, "pad"),
            entry("high", 0.9, "pad", "left"),
            entry("@s/mid", 0.5, "left", "pad", access="restricted"),
            entry("tie-b", 0.3, "pad"),
            entry("tie-a", 0.3, "pad"),
        ]
    )
    assert [p.name for p in search_store.postings("pad", 10)] == [
        "high",
        "@s/mid",
        "tie-a",
        "tie-b",
        "low",
    ]
    assert [p.name for p in search_store.postings("pad", 2)] == ["high", "@s/mid"]
    assert search_store.postings("left", 10) == [
        Posting("high", 2.0, 0.9, "public"),
        Posting("@s/mid", 1.0, 0.5, "restricted"),
    ]
    assert search_store.postings("absent", 10) == []


def test_replacing_an_entry_drops_its_old_postings(search_store: SearchStore) -> None:
    search_store.put_entries([entry("foo", 0.2, "old", "kept")])
    search_store.put_entries([entry("foo", 0.7, "kept", "new")])
    assert search_store.postings("old", 10) == []
    assert [(p.name, p.rank) for p in search_store.postings("kept", 10)] == [("foo", 0.7)]
    assert [p.name for p in search_store.postings("new", 10)] == ["foo"]
    assert search_store.entries(["foo"])["foo"] == entry("foo", 0.7, "kept", "new")


def test_removing_an_entry_drops_everything(search_store: SearchStore) -> None:
    search_store.put_entries([entry("foo", 0.2, "word"), entry("bar", 0.2, "word")])
    search_store.remove_entry("foo", 1)
    search_store.remove_entry("never-there", 1)
    assert [p.name for p in search_store.postings("word", 10)] == ["bar"]
    assert search_store.entries(["foo", "bar"]).keys() == {"bar"}


def test_many_entries_at_once(search_store: SearchStore) -> None:
    names = [f"pkg-{i:03d}" for i in range(120)]  # more than one batch of either backend
    search_store.put_entries([entry(n, i / 200, "common", f"own{i}") for i, n in enumerate(names)])
    assert len(search_store.entries(names)) == 120
    assert [p.name for p in search_store.postings("common", 3)] == names[::-1][:3]


# --- revisions: the index never goes back -----------------------------------------------------


def test_an_older_revision_never_replaces_a_newer_one(search_store: SearchStore) -> None:
    search_store.put_entries([entry("foo", 0.5, "new", "kept", rev=3)])
    search_store.put_entries([entry("foo", 0.2, "old", "kept", rev=2)])

    assert search_store.entries(["foo"])["foo"] == entry("foo", 0.5, "new", "kept", rev=3)
    assert search_store.postings("old", 10) == []
    assert search_store.postings("kept", 10) == [Posting("foo", 2.0, 0.5, "public")]


def test_the_same_revision_is_indexed_again(search_store: SearchStore) -> None:
    # `tarbox reindex` moves a package's rank (its downloads) without a new revision.
    search_store.put_entries([entry("foo", 0.5, "word", rev=3)])
    search_store.put_entries([entry("foo", 0.8, "word", rev=3)])

    assert search_store.postings("word", 10) == [Posting("foo", 1.0, 0.8, "public")]
    assert search_store.entries(["foo"])["foo"].rank == 0.8


def test_a_removal_is_not_undone_by_an_older_revision(search_store: SearchStore) -> None:
    search_store.put_entries([entry("foo", 0.5, "word", rev=2)])
    search_store.remove_entry("foo", 3)  # unpublished at rev 3
    search_store.put_entries([entry("foo", 0.5, "word", rev=2)])  # rev 2's write, late

    assert search_store.entries(["foo"]) == {}
    assert search_store.postings("word", 10) == []

    search_store.put_entries([entry("foo", 0.5, "word", rev=4)])  # published again
    assert search_store.entries(["foo"])["foo"].rev == 4
    assert [p.name for p in search_store.postings("word", 10)] == ["foo"]


def test_removing_an_older_revision_keeps_the_newer_entry(search_store: SearchStore) -> None:
    search_store.put_entries([entry("foo", 0.5, "word", rev=4)])
    search_store.remove_entry("foo", 3)

    assert search_store.entries(["foo"])["foo"].rev == 4
    assert [p.name for p in search_store.postings("word", 10)] == ["foo"]


def test_revisions_written_at_once_in_any_order_leave_the_newest(
    search_store: SearchStore,
) -> None:
    """Each write of a package indexes it after the write, so the indexing of revisions can
    finish in any order. The newest wins, and no older revision leaves a posting behind."""
    revs = list(range(1, 9))
    random.Random(7).shuffle(revs)

    def index(i: int) -> None:
        rev = revs[i]
        search_store.put_entries([entry("foo", rev / 10, "common", f"only{rev}", rev=rev)])

    assert run_threads(len(revs), index) == []

    assert search_store.entries(["foo"])["foo"] == entry("foo", 0.8, "common", "only8", rev=8)
    assert search_store.postings("common", 10) == [Posting("foo", 1.0, 0.8, "public")]
    assert [r for r in range(1, 8) if search_store.postings(f"only{r}", 10)] == []


def test_an_old_database_gains_the_revision_column(tmp_path: Path) -> None:
    # SQLite only: entries from before revisions read as revision 0, so any write replaces them.
    from chalicelib.storage.embedded.database import SqliteDatabase
    from chalicelib.storage.embedded.search import SqliteSearchStore

    path = str(tmp_path / "old.db")
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE search_entries (name TEXT PRIMARY KEY, doc TEXT NOT NULL,"
        " terms TEXT NOT NULL, rank REAL NOT NULL, access TEXT NOT NULL)"
    )
    old.execute("""INSERT INTO search_entries VALUES ('foo', '{}', '{"w": 1.0}', 0.5, 'public')""")
    old.commit()
    old.close()

    store = SqliteSearchStore(SqliteDatabase(path))
    SqliteSearchStore(SqliteDatabase(path))  # opening it again does not add the column twice

    assert store.entries(["foo"])["foo"].rev == 0
    store.put_entries([entry("foo", 0.5, "word", rev=1)])
    assert store.entries(["foo"])["foo"].rev == 1
