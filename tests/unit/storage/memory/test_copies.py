"""What the memory stores owe beyond the contract suite (tests/contract/, which they pass): the
other adapters serialise every record, so no caller shares a dict with stored state; the memory
stores copy records in and out to the same effect. And expired ephemeral items do not pile up."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.storage.memory.accounts import MemoryAccountStore
from chalicelib.storage.memory.blobs import MemoryBlobStore
from chalicelib.storage.memory.database import MemoryDatabase
from chalicelib.storage.memory.ephemeral import SWEEP_SECONDS, MemoryEphemeralStore
from chalicelib.storage.memory.hooks import MemoryHookStore
from chalicelib.storage.memory.packages import MemoryPackageStore
from chalicelib.storage.memory.search import MemorySearchStore
from chalicelib.storage.memory.trust import MemoryTrustStore
from chalicelib.storage.records import (
    DeliveryRecord,
    Expiring,
    Maintainer,
    PackageRecord,
    SearchEntry,
    TokenRecord,
    TrustedPublisher,
    UserRecord,
    VersionRecord,
)

T0 = "2024-01-02T03:04:05.678Z"


def package() -> PackageRecord:
    return PackageRecord(
        name="foo",
        rev=1,
        dist_tags={"latest": "1.0.0"},
        maintainers=(Maintainer("alice", "alice@example.com"),),
        access="public",
        created=T0,
        modified=T0,
        meta={"keywords": ["a"]},
        users={"alice": True},
    )


def version() -> VersionRecord:
    manifest = {"name": "foo", "version": "1.0.0", "dist": {"shasum": "ab" * 20}}
    return VersionRecord("foo", "1.0.0", manifest, "tarballs/foo/x.tgz", T0, "alice")


def test_a_package_and_its_version_are_copied_in_and_out() -> None:
    store = MemoryPackageStore(MemoryDatabase())
    written, first = package(), version()
    store.create_package(written, first, [{"event": "package:publish", "change": {}}])

    written.dist_tags["latest"] = "6.6.6"  # the caller's record, changed after the write
    first.manifest["dist"]["shasum"] = "evil"
    read = store.get_package("foo")
    assert read is not None
    read.meta["keywords"].append("b")  # a record read back, changed in place
    read.users.clear()
    store.get_packages(["foo"])["foo"].dist_tags.clear()
    store.list_versions("foo")[0].manifest.clear()
    store.changes_since(0, 1)[0].events[0]["change"]["x"] = 1

    assert store.get_package("foo") == package()
    assert store.get_version("foo", "1.0.0") == version()
    assert store.changes_since(0, 1)[0].events == ({"event": "package:publish", "change": {}},)


def test_users_and_tokens_are_copied_in_and_out() -> None:
    store = MemoryAccountStore(MemoryDatabase())
    user = UserRecord("alice", "a@example.com", "h", T0, profile={"fullname": "Alice"})
    token = TokenRecord("k" * 128, "alice", False, T0, "npm_abc", grants={"scopes": ["acme"]})
    store.create_user(user)
    store.put_token(token)

    user.profile["fullname"] = "Mallory"
    token.grants["scopes"].append("other")
    read = store.get_user("alice")
    assert read is not None
    read.profile.clear()
    store.list_tokens("alice")[0].grants.clear()
    next(store.all_users()).profile["x"] = "y"

    assert store.get_user("alice") == UserRecord(
        "alice", "a@example.com", "h", T0, profile={"fullname": "Alice"}
    )
    assert store.get_token("k" * 128) == replace(token, grants={"scopes": ["acme"]})


def test_documents_entries_claims_and_logs_are_copied_in_and_out() -> None:
    db = MemoryDatabase()
    ephemeral, search = MemoryEphemeralStore(db, clock=lambda: 0.0), MemorySearchStore(db)
    trust, hooks = MemoryTrustStore(db), MemoryHookStore(db)
    item = Expiring("login", "k", {"state": ["a"]}, 60.0)
    entry = SearchEntry("foo", {"name": "foo"}, {"foo": 1.0}, 0.5)
    publisher = TrustedPublisher("t1", "foo", "github", {"repository": "o/r"}, (), T0, "alice")
    delivery = DeliveryRecord("h:1:0", "h", "e", "{}", "pending", 0, 0.0, T0, ({"status": 1},))
    ephemeral.put_new(item)
    search.put_entries([entry])
    trust.add_trusted_publishers("foo", [publisher])
    hooks.add_delivery(delivery)

    item.doc["state"].append("b")
    entry.terms["bar"] = 2.0
    publisher.claims["repository"] = "evil/r"
    delivery.log[0]["status"] = 2
    got = ephemeral.get("login", "k")
    assert got is not None
    got.doc.clear()
    search.entries(["foo"])["foo"].doc.clear()
    trust.trusted_publishers("foo")[0].claims.clear()
    hooks.deliveries_of("h", 1)[0].log[0].clear()

    assert ephemeral.get("login", "k") == Expiring("login", "k", {"state": ["a"]}, 60.0)
    assert search.entries(["foo"])["foo"] == SearchEntry("foo", {"name": "foo"}, {"foo": 1.0}, 0.5)
    assert search.postings("bar", 10) == []
    assert trust.trusted_publishers("foo")[0].claims == {"repository": "o/r"}
    assert hooks.deliveries_of("h", 1)[0].log == ({"status": 1},)


def test_a_blob_keeps_the_bytes_it_was_given() -> None:
    store = MemoryBlobStore(MemoryDatabase())
    data = bytearray(b"tarball")
    store.put("tarballs/foo/x.tgz", data, "application/octet-stream")  # type: ignore[arg-type]

    data[:] = b"changed"

    assert store.get("tarballs/foo/x.tgz") == b"tarball"


def test_expired_items_are_swept_by_a_later_write() -> None:
    db, now = MemoryDatabase(), [1000.0]
    store = MemoryEphemeralStore(db, clock=lambda: now[0])
    store.put_new(Expiring("login", "old", {}, now[0] + 10))
    store.increment("rate", "ip", 10)

    now[0] += 10 + SWEEP_SECONDS
    store.put_new(Expiring("login", "new", {}, now[0] + 10))

    assert list(db.ephemeral) == [("login", "new")]


def test_each_database_is_a_new_log_with_its_own_epoch() -> None:
    first, second = MemoryPackageStore(MemoryDatabase()), MemoryPackageStore(MemoryDatabase())

    assert first.log_head().seq == 0
    assert first.log_head().epoch == first.log_head().epoch != second.log_head().epoch
