"""SearchStore contract: postings by rank, best first, up to a limit; replacing an entry drops
its old postings; removing drops everything; entries read back as written."""

from __future__ import annotations

from chalicelib.storage.ports import Posting, SearchEntry, SearchStore


def entry(name: str, rank: float, *terms: str, access: str = "public") -> SearchEntry:
    return SearchEntry(
        name=name,
        doc={"name": name, "description": f"the {name} package", "keywords": ["ü"]},
        terms={term: 1.0 + i for i, term in enumerate(terms)},
        rank=rank,
        access=access,
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
    search_store.remove_entry("foo")
    search_store.remove_entry("never-there")
    assert [p.name for p in search_store.postings("word", 10)] == ["bar"]
    assert search_store.entries(["foo", "bar"]).keys() == {"bar"}


def test_many_entries_at_once(search_store: SearchStore) -> None:
    names = [f"pkg-{i:03d}" for i in range(120)]  # more than one batch of either backend
    search_store.put_entries([entry(n, i / 200, "common", f"own{i}") for i, n in enumerate(names)])
    assert len(search_store.entries(names)) == 120
    assert [p.name for p in search_store.postings("common", 3)] == names[::-1][:3]
