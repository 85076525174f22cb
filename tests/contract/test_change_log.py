"""The change log contract: every package write appends one change in its own transaction, in
commit order, with seqs never reused; a refused write logs nothing; the head counts packages."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.errors import ConcurrentModificationError, PackageExistsError, VersionExistsError
from chalicelib.storage.ports.packages import PackageStore
from tests.contract.support import run_threads
from tests.contract.test_package_store import package, publish_next, version

PUBLISH = {"event": "package:publish", "change": {"version": "1.0.0"}}


def test_an_empty_log_is_at_zero(package_store: PackageStore) -> None:
    head = package_store.log_head()
    assert (head.seq, head.doc_count, head.doc_del_count) == (0, 0, 0)
    assert package_store.changes_since(0, 10) == []


def test_each_write_appends_one_change_in_order(package_store: PackageStore) -> None:
    package_store.create_package(package("foo"), version("foo"), [PUBLISH])
    package_store.create_package(package("@s/bar"), version("@s/bar"))
    publish_next(package_store, "foo", "1.1.0")
    current = package_store.get_package("foo")
    assert current is not None
    tagged = replace(current, rev=current.rev + 1, dist_tags={**current.dist_tags, "beta": "1.0.0"})
    package_store.update_package(tagged, current.rev, [{"event": "package:dist-tag"}])

    changes = package_store.changes_since(0, 10)
    assert [(c.seq, c.name, c.rev, c.deleted) for c in changes] == [
        (1, "foo", 1, False),
        (2, "@s/bar", 1, False),
        (3, "foo", 2, False),
        (4, "foo", 3, False),
    ]
    assert changes[0].events == (PUBLISH,)
    assert changes[3].events == ({"event": "package:dist-tag"},)
    assert changes[0].time <= changes[1].time <= changes[3].time  # commit times, not modified
    assert changes[1].time.startswith("20") and changes[1].time.endswith("Z")
    assert [c.seq for c in package_store.changes_since(2, 1)] == [3]
    assert package_store.changes_since(4, 10) == []
    head = package_store.log_head()
    assert (head.seq, head.doc_count, head.doc_del_count) == (4, 2, 0)
    assert head.epoch == package_store.log_head().epoch  # kept, once written


def test_refused_writes_log_nothing(package_store: PackageStore) -> None:
    package_store.create_package(package("foo"), version("foo"))
    with pytest.raises(PackageExistsError):
        package_store.create_package(package("FOO"), version("FOO"))
    with pytest.raises(VersionExistsError):
        package_store.add_version(package("foo", rev=2), version("foo"), expected_rev=1)
    with pytest.raises(ConcurrentModificationError):
        package_store.update_package(package("foo", rev=3), expected_rev=2)
    assert [c.seq for c in package_store.changes_since(0, 10)] == [1]
    assert package_store.log_head().seq == 1


def test_a_tombstone_and_a_revival_move_the_counts(package_store: PackageStore) -> None:
    package_store.create_package(package("foo"), version("foo"))
    package_store.create_package(package("bar"), version("bar"))
    gone = package("foo", rev=2, tombstone={"time": "2024-01-03T00:00:00.000Z", "versions": []})
    package_store.update_package(gone, expected_rev=1)
    head = package_store.log_head()
    assert (head.doc_count, head.doc_del_count) == (1, 1)
    assert package_store.changes_since(2, 10)[0].deleted is True

    again = package("foo", rev=3, latest="2.0.0")
    package_store.add_version(again, version("foo", "2.0.0"), expected_rev=2, revived=True)
    head = package_store.log_head()
    assert (head.seq, head.doc_count, head.doc_del_count) == (4, 2, 0)


def test_racing_writers_get_distinct_dense_seqs(package_store: PackageStore) -> None:
    names = [f"pkg-{i}" for i in range(6)]

    def create(i: int) -> None:
        package_store.create_package(package(names[i]), version(names[i]))

    assert run_threads(len(names), create) == []
    changes = package_store.changes_since(0, 100)
    assert [c.seq for c in changes] == list(range(1, len(names) + 1))
    assert sorted(c.name for c in changes) == names
    assert package_store.log_head().doc_count == len(names)


def test_get_packages_reads_the_existing_ones(package_store: PackageStore) -> None:
    package_store.create_package(package("foo"), version("foo"))
    package_store.create_package(package("@s/bar"), version("@s/bar"))
    found = package_store.get_packages(["foo", "@s/bar", "missing", "foo"])
    assert sorted(found) == ["@s/bar", "foo"]
    assert found["foo"] == package_store.get_package("foo")
    assert package_store.get_packages([]) == {}


def test_a_change_says_whether_the_package_was_private_after_it(
    package_store: PackageStore,
) -> None:
    private = replace(package("@s/secret"), access="restricted")
    package_store.create_package(private, version("@s/secret"), [PUBLISH])
    package_store.create_package(package("open"), version("open"), [PUBLISH])
    public = replace(private, rev=2, access="public")
    package_store.update_package(public, 1, [{"event": "package:change"}])

    changes = package_store.changes_since(0, 10)

    assert [(c.name, c.private) for c in changes] == [
        ("@s/secret", True),
        ("open", False),
        ("@s/secret", False),
    ]
