"""PackageStore contract: conditional creates, write-once versions, compare-and-swap on rev."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest

from chalicelib.errors import (
    ConcurrentModificationError,
    PackageExistsError,
    VersionExistsError,
)
from chalicelib.storage.ports.packages import PackageStore
from chalicelib.storage.records import Maintainer, PackageRecord, VersionRecord

NAMES = ["foo", "@scope/foo"]
T0 = "2024-01-02T03:04:05.678Z"


def package(name: str, rev: int = 1, latest: str = "1.0.0", **changes: Any) -> PackageRecord:
    record = PackageRecord(
        name=name,
        rev=rev,
        dist_tags={"latest": latest},
        maintainers=(Maintainer(name="alice", email="alice@example.com"),),
        access="public",
        created=T0,
        modified=T0,
        meta={"description": f"the {name} package"},
    )
    return replace(record, **changes)


def version(name: str, number: str = "1.0.0", **changes: Any) -> VersionRecord:
    record = VersionRecord(
        name=name,
        version=number,
        manifest={"name": name, "version": number, "dist": {"shasum": "ab" * 20}},
        tarball_key=f"tarballs/{name}/{number}.tgz",
        published=T0,
        publisher="alice",
    )
    return replace(record, **changes)


def publish_next(store: PackageStore, name: str, number: str) -> None:
    """What a publish does: read the package, write the version and the next rev at once."""
    current = store.get_package(name)
    assert current is not None
    nxt = replace(current, rev=current.rev + 1, dist_tags={**current.dist_tags, "latest": number})
    store.add_version(nxt, version(name, number), expected_rev=current.rev)


def version_numbers(store: PackageStore, name: str) -> set[str]:
    return {v.version for v in store.list_versions(name)}


@pytest.mark.parametrize("name", NAMES)
def test_a_created_package_reads_back_with_every_field(
    package_store: PackageStore, name: str
) -> None:
    stored = package(
        name,
        dist_tags={"latest": "1.0.0", "next": "1.0.0"},
        maintainers=(
            Maintainer("alice", "alice@example.com"),
            Maintainer("bob", "bob@example.com"),
        ),
        access="restricted",
        modified="2024-05-06T07:08:09.000Z",
        meta={
            "description": "Ünïcödé ✓ 日本語 🎉",
            "keywords": ["a", "b"],
            "license": "MIT",
            "empty": {},
        },
    )
    first = version(
        name,
        manifest={
            "name": name,
            "version": "1.0.0",
            "description": "naïve café — 💾",
            "dependencies": {"left-pad": "^1.3.0"},
            "bin": {},
            "files": [],
            "os": None,
            "private": False,
            "engines": {"node": ">=18"},
            "number": 1.5,
            "big": 12345678901234567890,
            "nested": {"deep": [{"a": [1, 2, {"b": None}]}]},
            "dist": {"shasum": "ab" * 20, "integrity": "sha512-" + "A" * 86 + "=="},
        },
        readme="# Héllo\n\nwörld 🌍",
    )
    package_store.create_package(stored, first)

    assert package_store.get_package(name) == stored
    assert package_store.get_version(name, "1.0.0") == first
    assert package_store.list_versions(name) == [first]


def test_an_empty_readme_round_trips(package_store: PackageStore) -> None:
    first = version("foo", readme="")
    package_store.create_package(package("foo"), first)

    assert package_store.get_version("foo", "1.0.0") == first


@pytest.mark.parametrize("name", NAMES)
def test_creating_an_existing_package_conflicts(package_store: PackageStore, name: str) -> None:
    package_store.create_package(package(name), version(name))

    with pytest.raises(PackageExistsError):
        package_store.create_package(package(name, access="restricted"), version(name, "2.0.0"))

    assert package_store.get_package(name) == package(name)
    assert version_numbers(package_store, name) == {"1.0.0"}


@pytest.mark.parametrize(("first", "second"), [("foo", "Foo"), ("@scope/foo", "@Scope/FOO")])
def test_creating_a_name_that_differs_only_by_case_conflicts(
    package_store: PackageStore, first: str, second: str
) -> None:
    package_store.create_package(package(first), version(first))

    with pytest.raises(PackageExistsError):
        package_store.create_package(package(second), version(second))

    assert package_store.get_package(second) is None
    assert package_store.list_versions(second) == []


@pytest.mark.parametrize("name", NAMES)
def test_publishing_a_second_version_with_the_current_rev_lands(
    package_store: PackageStore, name: str
) -> None:
    package_store.create_package(package(name), version(name))

    publish_next(package_store, name, "1.1.0")

    stored = package_store.get_package(name)
    assert stored is not None
    assert (stored.rev, stored.dist_tags) == (2, {"latest": "1.1.0"})
    assert version_numbers(package_store, name) == {"1.0.0", "1.1.0"}
    assert package_store.get_version(name, "1.1.0") == version(name, "1.1.0")


def test_publishing_a_second_version_with_a_stale_rev_conflicts(
    package_store: PackageStore,
) -> None:
    package_store.create_package(package("foo"), version("foo"))
    publish_next(package_store, "foo", "1.1.0")  # rev is now 2

    with pytest.raises(ConcurrentModificationError):
        package_store.add_version(
            package("foo", rev=2, latest="1.2.0"), version("foo", "1.2.0"), expected_rev=1
        )

    assert package_store.get_version("foo", "1.2.0") is None
    stored = package_store.get_package("foo")
    assert stored is not None
    assert (stored.rev, stored.dist_tags) == (2, {"latest": "1.1.0"})


def test_publishing_an_existing_version_conflicts_and_writes_nothing(
    package_store: PackageStore,
) -> None:
    package_store.create_package(package("foo"), version("foo"))

    with pytest.raises(VersionExistsError):
        package_store.add_version(
            package("foo", rev=2, access="restricted"),
            version("foo", manifest={"name": "foo", "version": "1.0.0", "evil": True}),
            expected_rev=1,
        )

    assert package_store.get_package("foo") == package("foo")
    assert package_store.get_version("foo", "1.0.0") == version("foo")


def test_publishing_an_existing_version_with_a_stale_rev_reports_the_version(
    package_store: PackageStore,
) -> None:
    package_store.create_package(package("foo"), version("foo"))

    with pytest.raises(VersionExistsError):
        package_store.add_version(package("foo", rev=8), version("foo"), expected_rev=7)


def test_publishing_to_a_missing_package_conflicts(package_store: PackageStore) -> None:
    with pytest.raises(ConcurrentModificationError):
        package_store.add_version(package("ghost", rev=2), version("ghost"), expected_rev=1)

    assert package_store.get_package("ghost") is None
    assert package_store.get_version("ghost", "1.0.0") is None


def test_ten_concurrent_publishes_of_different_versions_all_land(
    package_store: PackageStore,
) -> None:
    package_store.create_package(package("foo", latest="0.0.0"), version("foo", "0.0.0"))
    numbers = [f"1.{i}.0" for i in range(10)]
    failures: list[BaseException] = []
    start = threading.Barrier(len(numbers))

    def publisher(number: str) -> None:
        start.wait()
        for _ in range(200):  # the retry a publish does when it loses the rev race
            try:
                publish_next(package_store, "foo", number)
                return
            except ConcurrentModificationError:
                continue
        failures.append(AssertionError(f"{number} never landed"))

    def run(number: str) -> None:
        try:
            publisher(number)
        except BaseException as exc:  # reported to the test thread below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    assert version_numbers(package_store, "foo") == {"0.0.0", *numbers}
    stored = package_store.get_package("foo")
    assert stored is not None
    assert stored.rev == 11  # every publish moved rev by exactly one: no update was lost


def test_many_large_versions_are_all_listed(package_store: PackageStore) -> None:
    # ~1.3 MB of versions: more than one DynamoDB Query page (1 MB), so paging must be followed.
    readme = "x" * 50_000
    package_store.create_package(package("big"), version("big", "1.0.0", readme=readme))
    numbers = {"1.0.0"}
    for i in range(1, 26):
        publish_next(package_store, "big", f"1.0.{i}")
        numbers.add(f"1.0.{i}")

    listed = package_store.list_versions("big")

    assert {v.version for v in listed} == numbers
    assert len(listed) == len(numbers)


def test_updating_a_package_with_the_current_rev_replaces_it(package_store: PackageStore) -> None:
    package_store.create_package(package("foo"), version("foo"))
    updated = package("foo", rev=2, maintainers=(), dist_tags={"latest": "1.0.0", "beta": "1.0.0"})

    package_store.update_package(updated, expected_rev=1)

    assert package_store.get_package("foo") == updated


def test_updating_a_package_with_a_stale_rev_conflicts_and_keeps_the_stored_one(
    package_store: PackageStore,
) -> None:
    package_store.create_package(package("foo"), version("foo"))
    package_store.update_package(package("foo", rev=2, access="restricted"), expected_rev=1)

    with pytest.raises(ConcurrentModificationError):
        package_store.update_package(package("foo", rev=2, access="public"), expected_rev=1)

    assert package_store.get_package("foo") == package("foo", rev=2, access="restricted")


@pytest.mark.parametrize("name", NAMES)
def test_missing_packages_and_versions_read_as_none(package_store: PackageStore, name: str) -> None:
    assert package_store.get_package(name) is None
    assert package_store.get_version(name, "1.0.0") is None
    assert package_store.list_versions(name) == []


def test_a_missing_version_of_an_existing_package_reads_as_none(
    package_store: PackageStore,
) -> None:
    package_store.create_package(package("foo"), version("foo"))

    assert package_store.get_version("foo", "1.0.1") is None
    assert package_store.get_version("foo", "1.0") is None


def test_versions_of_one_package_stay_with_it(package_store: PackageStore) -> None:
    # Names that are prefixes of each other, or differ only by scope, must not share versions.
    for name in ["foo", "foo-bar", "foobar", "@scope/foo"]:
        package_store.create_package(package(name), version(name, f"1.0.{len(name)}"))

    assert version_numbers(package_store, "foo") == {"1.0.3"}
    assert version_numbers(package_store, "foo-bar") == {"1.0.7"}
    assert version_numbers(package_store, "@scope/foo") == {"1.0.10"}
    assert package_store.get_version("foo", "1.0.7") is None
