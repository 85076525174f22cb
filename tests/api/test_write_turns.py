"""Writers of one package take turns once they keep losing: a publish that is slower than the
other writers of its package (it reads every version) still gets through while they write
without pause. Both backends; the writers are threads calling the domain, as the server's
workers do."""

from __future__ import annotations

import threading
import time

import pytest

from chalicelib import wiring
from chalicelib.auth.service import Actor
from chalicelib.packuments.changes import change_package
from chalicelib.packuments.updates import next_rev
from chalicelib.publish.payload import parse_publish
from chalicelib.publish.service import publish_version
from chalicelib.storage.ports import PackageRecord, VersionRecord
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
