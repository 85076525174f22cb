"""PackageStore contract for the lists behind `npm access list packages`: the packages created in
a scope (listed with the create itself) and the maintainer index (derived, idempotent)."""

from __future__ import annotations

from chalicelib.storage.ports.packages import PackageStore
from tests.contract.test_package_store import package, version


def create(store: PackageStore, name: str) -> None:
    store.create_package(package(name), version(name))


def test_a_scope_lists_exactly_its_packages(package_store: PackageStore) -> None:
    for name in ["@acme/b", "@acme/a", "@acme-corp/x", "@acm/y", "acme", "@other/acme"]:
        create(package_store, name)

    assert package_store.packages_in_scope("acme") == ["@acme/a", "@acme/b"]
    assert package_store.packages_in_scope("acme-corp") == ["@acme-corp/x"]
    assert package_store.packages_in_scope("nobody") == []


def test_a_scope_listing_does_not_take_like_patterns(package_store: PackageStore) -> None:
    create(package_store, "@a_b/x")
    create(package_store, "@axb/y")

    assert package_store.packages_in_scope("a_b") == ["@a_b/x"]


def test_the_maintainer_index_records_and_forgets(package_store: PackageStore) -> None:
    package_store.index_maintainer("alice", "b", present=True)
    package_store.index_maintainer("alice", "@s/a", present=True)
    package_store.index_maintainer("alice", "b", present=True)  # idempotent
    package_store.index_maintainer("bob", "b", present=True)

    assert package_store.maintained_by("alice") == ["@s/a", "b"]
    package_store.index_maintainer("alice", "b", present=False)
    package_store.index_maintainer("alice", "never", present=False)  # forgetting is idempotent
    assert package_store.maintained_by("alice") == ["@s/a"]
    assert package_store.maintained_by("bob") == ["b"]
    assert package_store.maintained_by("carol") == []
