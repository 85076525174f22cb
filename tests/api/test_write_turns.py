"""Writers of one package take turns once they keep losing: a publish that is slower than the
other writers of its package (it reads every version) still gets through while they write
without pause. Both backends; the writers are threads calling the domain, as the server's
workers do."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.auth.service import Actor
from chalicelib.errors import ConcurrentModificationError
from chalicelib.packuments.updates import next_rev
from chalicelib.publish.payload import parse_publish
from chalicelib.publish.service import publish_version
from chalicelib.storage.records import PackageRecord, VersionRecord
from chalicelib.writes import turns
from chalicelib.writes.pipeline import change_package
from chalicelib.writes.retries import with_retries
from tests.api.conftest import Api
from tests.builders import a_publish_body
from tests.contract.support import serialize_moto

BASE = "https://registry.example"
SLOW_READ = 0.03  # the publish's read of every version; the taggers' writes take far less


def test_a_slow_publish_gets_through_writers_that_never_pause(
    any_api: Api, alice: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    serialize_moto(monkeypatch)  # as DynamoDB would (moto's transactions are not thread-safe)
    registry = wiring.registry()
    assert any_api.call("PUT", "/busy", a_publish_body("busy"), token=alice).status_code == 201
    actor = Actor("alice", "alice@example.com")
    slow = threading.local()
    list_versions = registry.packages.list_versions

    def read_versions(name: str) -> list[VersionRecord]:
        if getattr(slow, "on", False):
            time.sleep(SLOW_READ)
        return list_versions(name)

    monkeypatch.setattr(registry.packages, "list_versions", read_versions)
    done = threading.Event()
    tagged = [0]

    def tag(package: PackageRecord, _: list[VersionRecord]) -> PackageRecord:
        return next_rev(package, dist_tags={**package.dist_tags, "next": "1.0.0"})

    def tagger() -> None:
        while not done.is_set():
            change_package(registry, actor, "busy", tag, base_url=BASE)
            tagged[0] += 1

    taggers = [threading.Thread(target=tagger) for _ in range(3)]
    for thread in taggers:
        thread.start()
    try:
        slow.on = True
        request = parse_publish("busy", a_publish_body("busy", "2.0.0"), max_tarball_bytes=10**7)
        published = publish_version(registry, actor, request, BASE)
    finally:
        slow.on = False
        done.set()
        for thread in taggers:
            thread.join(30)

    assert published.created
    assert "2.0.0" in {v.version for v in list_versions("busy")}
    assert tagged[0] > 0  # the others wrote meanwhile, and still do


def test_a_star_waits_for_the_turn_but_never_holds_it(any_api: Api) -> None:
    """Anyone who may read a package may star it: if a star could take the package's turn, a
    reader starring at will would hold the package's writers back."""
    registry = wiring.registry()
    seen: dict[bool, list[bool]] = {}
    for may_take in (False, True):
        held: list[bool] = []

        def attempt(held: list[bool] = held) -> str:
            held.append(registry.ephemeral.get(turns.KIND, "starred") is not None)
            if len(held) < 6:
                raise ConcurrentModificationError("lost a race")
            return "written"

        turn = turns.Turns(registry.ephemeral, "starred", may_take=may_take)
        assert with_retries(attempt, turn) == "written"
        seen[may_take] = held
    assert seen[False] == [False] * 6  # the star never held it
    assert seen[True] == [False] * 3 + [True] * 3  # a writer takes it after three losses
    assert registry.ephemeral.get(turns.KIND, "starred") is None  # and gives it back


def test_npm_star_writes_without_the_right_to_take_the_turn(
    any_api: Api, alice: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.writes import pipeline

    assert any_api.call("PUT", "/shiny", a_publish_body("shiny"), token=alice).status_code == 201
    bob = any_api.add_user("bob")
    made: list[bool] = []

    def recording(ephemeral: Any, name: str, *, may_take: bool = True) -> turns.Turns:
        made.append(may_take)
        return turns.Turns(ephemeral, name, may_take=may_take)

    monkeypatch.setattr(pipeline, "Turns", recording)
    starred = any_api.call("PUT", "/shiny", {"_id": "shiny", "users": {"bob": True}}, token=bob)
    assert starred.status_code in (200, 201), starred.body
    tagged = any_api.call("PUT", "/-/package/shiny/dist-tags/next", "1.0.0", token=alice)
    assert tagged.status_code in (200, 201), tagged.body
    assert made == [False, True]
