"""EphemeralStore contract: short-lived documents that vanish at `expires`, versioned
compare-and-swap, and an atomic windowed counter.

Time moves in two ways: items written with an `expires` already past (as if written long ago and
not yet swept), and the `clock` fixture, which both adapters read instead of the system clock.
"""

from __future__ import annotations

import pytest

from chalicelib.errors import ConcurrentModificationError, ConflictError
from chalicelib.storage.ports.ephemeral import EphemeralStore
from chalicelib.storage.records import JSON, Expiring
from tests.contract.support import Clock, run_threads

DOC = {"token": "npm_…", "nested": {"list": [1, 2.5, None, True]}, "text": "héllo ✓"}


def item(
    clock: Clock, key: str = "k1", ttl: float = 300, kind: str = "login", doc: JSON | None = None
) -> Expiring:
    """A live item (or, with a negative ttl, one past its expiry)."""
    return Expiring(kind=kind, key=key, doc=DOC if doc is None else doc, expires=clock.now + ttl)


# --- put_new and get --------------------------------------------------------------------------


def test_a_new_item_reads_back(ephemeral_store: EphemeralStore, clock: Clock) -> None:
    created = item(clock)
    ephemeral_store.put_new(created)

    assert ephemeral_store.get("login", "k1") == created
    assert created.version == 1


def test_missing_items_read_as_none(ephemeral_store: EphemeralStore) -> None:
    assert ephemeral_store.get("login", "nope") is None


def test_kinds_and_keys_are_separate(ephemeral_store: EphemeralStore, clock: Clock) -> None:
    stored = [
        item(clock, "k1", kind="login", doc={"n": 1}),
        item(clock, "k1", kind="otp", doc={"n": 2}),
        item(clock, "k1#x", kind="login", doc={"n": 3}),
        item(clock, "k", kind="login", doc={"n": 4}),
    ]
    for each in stored:
        ephemeral_store.put_new(each)

    assert [ephemeral_store.get(each.kind, each.key) for each in stored] == stored


def test_creating_a_live_item_twice_conflicts_and_keeps_the_first(
    ephemeral_store: EphemeralStore, clock: Clock
) -> None:
    first = item(clock, doc={"who": "first"})
    ephemeral_store.put_new(first)

    with pytest.raises(ConflictError):
        ephemeral_store.put_new(item(clock, doc={"who": "second"}))

    assert ephemeral_store.get("login", "k1") == first


def test_an_item_past_its_expiry_reads_as_none(
    ephemeral_store: EphemeralStore, clock: Clock
) -> None:
    ephemeral_store.put_new(item(clock, "old", ttl=-1))  # written long ago, not yet swept
    ephemeral_store.put_new(item(clock, "soon", ttl=10))

    assert ephemeral_store.get("login", "old") is None
    assert ephemeral_store.get("login", "soon") is not None
    clock.advance(10)
    assert ephemeral_store.get("login", "soon") is None


def test_an_expired_item_can_be_created_again(
    ephemeral_store: EphemeralStore, clock: Clock
) -> None:
    ephemeral_store.put_new(item(clock, ttl=5, doc={"who": "first"}))
    clock.advance(6)

    second = item(clock, doc={"who": "second"})
    ephemeral_store.put_new(second)

    assert ephemeral_store.get("login", "k1") == second


def test_of_ten_concurrent_creates_exactly_one_lands(
    ephemeral_store: EphemeralStore, clock: Clock
) -> None:
    won: list[int] = []

    def create(i: int) -> None:
        try:
            ephemeral_store.put_new(item(clock, doc={"who": i}))
            won.append(i)
        except ConflictError:
            pass

    assert run_threads(10, create) == []
    assert len(won) == 1
    assert ephemeral_store.get("login", "k1") == item(clock, doc={"who": won[0]})


# --- replace ----------------------------------------------------------------------------------


def test_replacing_at_the_current_version_lands(
    ephemeral_store: EphemeralStore, clock: Clock
) -> None:
    ephemeral_store.put_new(item(clock, doc={"step": 1}))
    second = Expiring("login", "k1", {"step": 2}, clock.now + 600, version=2)

    ephemeral_store.replace(second, expected_version=1)
    assert ephemeral_store.get("login", "k1") == second

    third = Expiring("login", "k1", {"step": 3}, clock.now + 60, version=3)
    ephemeral_store.replace(third, expected_version=2)
    assert ephemeral_store.get("login", "k1") == third


def test_replacing_at_a_stale_version_conflicts_and_keeps_the_item(
    ephemeral_store: EphemeralStore, clock: Clock
) -> None:
    ephemeral_store.put_new(item(clock, doc={"step": 1}))
    current = Expiring("login", "k1", {"step": 2}, clock.now + 60, version=2)
    ephemeral_store.replace(current, expected_version=1)

    with pytest.raises(ConcurrentModificationError):
        ephemeral_store.replace(
            Expiring("login", "k1", {"step": "lost"}, clock.now + 60, 2), expected_version=1
        )

    assert ephemeral_store.get("login", "k1") == current


@pytest.mark.parametrize("ttl", [None, -1])
def test_replacing_a_missing_or_expired_item_conflicts(
    ephemeral_store: EphemeralStore, clock: Clock, ttl: float | None
) -> None:
    if ttl is not None:
        ephemeral_store.put_new(item(clock, ttl=ttl))

    with pytest.raises(ConcurrentModificationError):
        ephemeral_store.replace(Expiring("login", "k1", {}, clock.now + 60, 2), expected_version=1)

    assert ephemeral_store.get("login", "k1") is None


def test_a_replacement_must_be_the_next_version(
    ephemeral_store: EphemeralStore, clock: Clock
) -> None:
    ephemeral_store.put_new(item(clock))

    with pytest.raises(ValueError, match="version 2"):
        ephemeral_store.replace(Expiring("login", "k1", {}, clock.now + 60, 1), expected_version=1)


def test_ten_concurrent_replaces_with_retries_all_land(
    ephemeral_store: EphemeralStore, clock: Clock
) -> None:
    ephemeral_store.put_new(Expiring("login", "k1", {"seen": []}, clock.now + 600))

    def append(i: int) -> None:
        for _ in range(200):
            current = ephemeral_store.get("login", "k1")
            assert current is not None
            nxt = Expiring(
                "login",
                "k1",
                {"seen": [*current.doc["seen"], i]},
                current.expires,
                current.version + 1,
            )
            try:
                ephemeral_store.replace(nxt, expected_version=current.version)
                return
            except ConcurrentModificationError:
                continue
        raise AssertionError(f"{i} never landed")

    assert run_threads(10, append) == []
    stored = ephemeral_store.get("login", "k1")
    assert stored is not None
    assert sorted(stored.doc["seen"]) == list(range(10))
    assert stored.version == 11


# --- delete -----------------------------------------------------------------------------------


def test_delete_says_whether_it_deleted(ephemeral_store: EphemeralStore, clock: Clock) -> None:
    ephemeral_store.put_new(item(clock))

    assert ephemeral_store.delete("login", "k1") is True
    assert ephemeral_store.get("login", "k1") is None
    assert ephemeral_store.delete("login", "k1") is False
    assert ephemeral_store.delete("login", "never") is False


def test_delete_at_a_version_deletes_only_that_version(
    ephemeral_store: EphemeralStore, clock: Clock
) -> None:
    ephemeral_store.put_new(item(clock))
    current = Expiring("login", "k1", {"step": 2}, clock.now + 60, version=2)
    ephemeral_store.replace(current, expected_version=1)

    assert ephemeral_store.delete("login", "k1", expected_version=1) is False
    assert ephemeral_store.get("login", "k1") == current
    assert ephemeral_store.delete("login", "k1", expected_version=2) is True
    assert ephemeral_store.get("login", "k1") is None


def test_deleting_an_expired_item_deletes_nothing_live(
    ephemeral_store: EphemeralStore, clock: Clock
) -> None:
    ephemeral_store.put_new(item(clock, ttl=-1))

    assert ephemeral_store.delete("login", "k1") is False
    ephemeral_store.put_new(item(clock))  # still free to create
    assert ephemeral_store.get("login", "k1") == item(clock)


def test_of_ten_concurrent_deletes_exactly_one_deletes(
    ephemeral_store: EphemeralStore, clock: Clock
) -> None:
    ephemeral_store.put_new(item(clock))
    results: list[bool] = []

    assert run_threads(10, lambda _: results.append(ephemeral_store.delete("login", "k1"))) == []
    assert sorted(results) == [False] * 9 + [True]


# --- increment --------------------------------------------------------------------------------


def test_increment_counts_within_the_window(ephemeral_store: EphemeralStore, clock: Clock) -> None:
    counts = [ephemeral_store.increment("rate", "1.2.3.4", 60) for _ in range(3)]

    assert counts == [1, 2, 3]
    assert ephemeral_store.increment("rate", "5.6.7.8", 60) == 1
    assert ephemeral_store.increment("login", "1.2.3.4", 60) == 1


def test_a_counter_reads_as_an_item_whose_version_is_the_count(
    ephemeral_store: EphemeralStore, clock: Clock
) -> None:
    for _ in range(3):
        ephemeral_store.increment("rate", "ip", 60)

    assert ephemeral_store.get("rate", "ip") == Expiring("rate", "ip", {}, clock.now + 60, 3)


def test_the_window_starts_at_the_first_event_and_a_new_one_after_it_expired(
    ephemeral_store: EphemeralStore, clock: Clock
) -> None:
    assert ephemeral_store.increment("rate", "ip", 60) == 1
    clock.advance(59)
    assert ephemeral_store.increment("rate", "ip", 60) == 2  # later events do not extend it
    clock.advance(1)

    assert ephemeral_store.increment("rate", "ip", 60) == 1
    assert ephemeral_store.increment("rate", "ip", 60) == 2
    stored = ephemeral_store.get("rate", "ip")
    assert stored is not None
    assert stored.expires == clock.now + 60


def test_an_expired_item_gives_way_to_a_fresh_window(
    ephemeral_store: EphemeralStore, clock: Clock
) -> None:
    ephemeral_store.put_new(Expiring("rate", "ip", {}, clock.now - 1, version=50))

    assert ephemeral_store.increment("rate", "ip", 60) == 1


def test_ten_concurrent_increments_count_ten(ephemeral_store: EphemeralStore, clock: Clock) -> None:
    seen: list[int] = []

    assert run_threads(10, lambda _: seen.append(ephemeral_store.increment("rate", "ip", 60))) == []
    assert sorted(seen) == list(range(1, 11))  # each caller saw its own count
    stored = ephemeral_store.get("rate", "ip")
    assert stored is not None
    assert stored.version == 10


def test_ten_concurrent_increments_of_a_fresh_window_count_ten(
    ephemeral_store: EphemeralStore, clock: Clock
) -> None:
    # The old window has expired: every caller races to open the new one, exactly one does.
    ephemeral_store.put_new(Expiring("rate", "ip", {}, clock.now - 1, version=7))
    seen: list[int] = []

    assert run_threads(10, lambda _: seen.append(ephemeral_store.increment("rate", "ip", 60))) == []
    assert sorted(seen) == list(range(1, 11))


def test_kinds_with_a_hash_are_refused(ephemeral_store: EphemeralStore, clock: Clock) -> None:
    with pytest.raises(ValueError, match="kind"):
        ephemeral_store.put_new(Expiring("a#b", "c", {}, clock.now + 60))
    with pytest.raises(ValueError, match="kind"):
        ephemeral_store.increment("a#b", "c", 60)
