"""PackageStore contract, extensions: stars, deprecations, unpublishes and the tombstone ride on
the package item; the dependents index."""

from __future__ import annotations

import pytest

from chalicelib.storage.ports.packages import PackageStore
from chalicelib.storage.records import PackageRecord
from tests.contract.legacy import T0, LegacyWriter
from tests.contract.test_package_store import NAMES, package, publish_next, version

STATE = {
    "users": {"alice": True, "böb": True},
    "deprecated": {"1.0.0": "use 2.x — it's better ✓", "0.9.0": ""},
    "unpublished": {"0.1.0": "2024-03-04T05:06:07.890Z"},
}
TOMBSTONE = {
    "time": "2024-06-07T08:09:10.111Z",
    "versions": ["1.0.0", "1.1.0"],
    "maintainers": [{"name": "alice", "email": "alice@example.com"}],
}


@pytest.mark.parametrize("name", NAMES)
def test_a_new_package_has_no_stars_deprecations_unpublishes_or_tombstone(
    package_store: PackageStore, name: str
) -> None:
    package_store.create_package(package(name), version(name))

    stored = package_store.get_package(name)
    assert stored is not None
    assert (stored.users, stored.deprecated, stored.unpublished, stored.tombstone) == (
        {},
        {},
        {},
        None,
    )


@pytest.mark.parametrize("name", NAMES)
def test_stars_deprecations_unpublishes_and_tombstone_round_trip(
    package_store: PackageStore, name: str
) -> None:
    created = package(name, **STATE)
    package_store.create_package(created, version(name))
    assert package_store.get_package(name) == created

    tombstoned = package(name, rev=2, **STATE, tombstone=TOMBSTONE)
    package_store.update_package(tombstoned, expected_rev=1)
    assert package_store.get_package(name) == tombstoned

    cleared = package(name, rev=3)
    package_store.update_package(cleared, expected_rev=2)
    assert package_store.get_package(name) == cleared


def test_a_publish_carries_the_package_state(package_store: PackageStore) -> None:
    package_store.create_package(package("foo", users={"alice": True}), version("foo"))

    publish_next(package_store, "foo", "1.1.0")  # replace()s the record it read

    stored = package_store.get_package("foo")
    assert stored is not None
    assert stored.users == {"alice": True}
    assert stored.dist_tags == {"latest": "1.1.0"}


@pytest.mark.parametrize("name", NAMES)
def test_a_package_written_before_the_state_fields_reads_with_defaults(
    package_store: PackageStore, legacy: LegacyWriter, name: str
) -> None:
    legacy.package(name, rev=4)

    stored = package_store.get_package(name)

    assert stored == PackageRecord(
        name=name,
        rev=4,
        dist_tags={"latest": "1.0.0"},
        maintainers=package(name).maintainers,
        access="public",
        created=T0,
        modified=T0,
        meta={},
    )
    assert stored.users == {} and stored.tombstone is None
    # ...and it takes the new fields on its next compare-and-swap.
    package_store.update_package(package(name, rev=5, **STATE), expected_rev=4)
    assert package_store.get_package(name) == package(name, rev=5, **STATE)


# --- dependents -------------------------------------------------------------------------------


def test_dependents_are_the_distinct_packages_with_a_version_depending_on_it(
    package_store: PackageStore,
) -> None:
    package_store.index_dependencies("app", "1.0.0", ["lodash", "@types/node"], present=True)
    package_store.index_dependencies("app", "1.1.0", ["lodash"], present=True)
    package_store.index_dependencies("@acme/tool", "2.0.0", ["lodash"], present=True)

    assert package_store.dependents("lodash") == ["@acme/tool", "app"]
    assert package_store.dependents("@types/node") == ["app"]
    assert package_store.dependents("app") == []


def test_a_package_is_not_its_own_dependent(package_store: PackageStore) -> None:
    package_store.index_dependencies("self-ref", "1.0.0", ["self-ref", "other"], present=True)

    assert package_store.dependents("self-ref") == []
    assert package_store.dependents("other") == ["self-ref"]


def test_forgetting_one_version_keeps_the_dependents_other_versions(
    package_store: PackageStore,
) -> None:
    package_store.index_dependencies("app", "1.0.0", ["lodash"], present=True)
    package_store.index_dependencies("app", "1.1.0", ["lodash"], present=True)

    package_store.index_dependencies("app", "1.0.0", ["lodash"], present=False)
    assert package_store.dependents("lodash") == ["app"]

    package_store.index_dependencies("app", "1.1.0", ["lodash"], present=False)
    assert package_store.dependents("lodash") == []


def test_indexing_is_idempotent_and_tolerates_repeats(package_store: PackageStore) -> None:
    package_store.index_dependencies("app", "1.0.0", ["lodash", "lodash"], present=True)
    package_store.index_dependencies("app", "1.0.0", ["lodash"], present=True)
    package_store.index_dependencies("app", "1.0.0", [], present=True)
    assert package_store.dependents("lodash") == ["app"]

    package_store.index_dependencies("app", "1.0.0", ["lodash", "lodash"], present=False)
    package_store.index_dependencies("app", "1.0.0", ["lodash", "never-indexed"], present=False)
    assert package_store.dependents("lodash") == []


def test_dependents_of_one_name_stay_with_it(package_store: PackageStore) -> None:
    # Names that are prefixes of each other, or differ only by scope, must not share dependents.
    for dependency in ["foo", "foo-bar", "foobar", "@scope/foo", "Foo"]:
        package_store.index_dependencies(f"uses-{dependency}", "1.0.0", [dependency], present=True)

    assert package_store.dependents("foo") == ["uses-foo"]
    assert package_store.dependents("foo-bar") == ["uses-foo-bar"]
    assert package_store.dependents("@scope/foo") == ["uses-@scope/foo"]
    assert package_store.dependents("fo") == []


def test_many_dependencies_and_many_dependents_are_all_indexed(
    package_store: PackageStore,
) -> None:
    # More than one DynamoDB batch (25 writes) in each direction.
    many = [f"dep-{i:02}" for i in range(40)]
    package_store.index_dependencies("big", "1.0.0", many, present=True)
    for i in range(30):
        package_store.index_dependencies(f"user-{i:02}", "1.0.0", ["dep-00"], present=True)

    assert all(package_store.dependents(name) == ["big"] for name in many[1:])
    assert package_store.dependents("dep-00") == ["big"] + [f"user-{i:02}" for i in range(30)]

    package_store.index_dependencies("big", "1.0.0", many, present=False)
    assert all(package_store.dependents(name) == [] for name in many[1:])
    assert len(package_store.dependents("dep-00")) == 30
