"""HookStore contract: hooks by id, by owner and by what they watch; deliveries added once,
moved on by compare-and-swap, listed newest first; the dispatcher's cursor compare-and-swaps."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.errors import ConcurrentModificationError
from chalicelib.storage.ports.hooks import HookStore
from chalicelib.storage.records import DeliveryRecord, HookRecord


def hook(
    hook_id: str, owner: str = "alice", kind: str = "package", name: str = "foo"
) -> HookRecord:
    return HookRecord(
        hook_id,
        owner,
        kind,
        name,
        "https://e.example/",
        "s",
        f"2026-12-01T00:00:0{hook_id[-1]}.000Z",
        "x",
    )


def delivery(hook_id: str, seq: int, **changes: object) -> DeliveryRecord:
    record = DeliveryRecord(
        id=f"{hook_id}:{seq:012d}:0",
        hook=hook_id,
        event="package:publish",
        payload='{"name": "foo"}',
        status="pending",
        attempts=0,
        next_attempt=1.5,
        created="2026-12-01T00:00:00.000Z",
    )
    return replace(record, **changes)  # type: ignore[arg-type]


def test_hooks_by_id_owner_and_watch(hook_store: HookStore) -> None:
    hook_store.create_hook(hook("h1"))
    hook_store.create_hook(hook("h2", kind="scope", name="acme"))
    hook_store.create_hook(hook("h3", owner="bob"))
    with pytest.raises(ConcurrentModificationError):
        hook_store.create_hook(replace(hook("h1"), endpoint="https://other.example/"))
    assert hook_store.get_hook("h1") == hook("h1")
    assert hook_store.get_hook("nope") is None
    assert [h.id for h in hook_store.hooks_of("alice")] == ["h1", "h2"]
    assert sorted(h.id for h in hook_store.watching("package", "foo")) == ["h1", "h3"]
    assert [h.id for h in hook_store.watching("scope", "acme")] == ["h2"]
    moved = replace(hook("h1"), endpoint="https://moved.example/", secret="t")
    hook_store.replace_hook(moved)
    assert hook_store.get_hook("h1") == moved
    assert moved in hook_store.watching("package", "foo")
    assert moved in hook_store.hooks_of("alice")
    hook_store.delete_hook("h1")
    hook_store.delete_hook("never")
    assert hook_store.get_hook("h1") is None
    with pytest.raises(ConcurrentModificationError):
        hook_store.replace_hook(moved)  # an update that lost a race with the delete
    assert hook_store.get_hook("h1") is None
    assert [h.id for h in hook_store.watching("package", "foo")] == ["h3"]
    assert [h.id for h in hook_store.hooks_of("alice")] == ["h2"]


def test_deliveries(hook_store: HookStore) -> None:
    assert hook_store.add_delivery(delivery("h1", 1)) is True
    assert hook_store.add_delivery(delivery("h1", 1)) is False
    hook_store.add_delivery(delivery("h1", 2))
    assert [d.id for d in hook_store.due_deliveries(float("inf"), 10)] == [
        delivery("h1", 1).id,
        delivery("h1", 2).id,
    ]
    claimed = replace(delivery("h1", 1), attempts=1, version=2)
    hook_store.update_delivery(claimed)
    with pytest.raises(ConcurrentModificationError):
        hook_store.update_delivery(claimed)  # a second claim from version 1 loses
    done = replace(claimed, status="delivered", log=({"time": "t", "status": 200},), version=3)
    hook_store.update_delivery(done)
    assert [d.id for d in hook_store.due_deliveries(float("inf"), 10)] == [delivery("h1", 2).id]
    assert hook_store.deliveries_of("h1", 10) == [delivery("h1", 2), done]
    assert hook_store.deliveries_of("h1", 1) == [delivery("h1", 2)]


def test_the_cursor(hook_store: HookStore) -> None:
    assert hook_store.hook_cursor() == 0
    assert hook_store.move_hook_cursor(0, 5) is True
    assert hook_store.move_hook_cursor(0, 7) is False
    assert hook_store.hook_cursor() == 5
    assert hook_store.move_hook_cursor(5, 9) is True
    assert hook_store.hook_cursor() == 9
