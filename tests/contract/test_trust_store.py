"""TrustStore contract: a package's trusted publishers are kept in the order they were added,
removed by id, and two changes at once both land."""

from __future__ import annotations

from chalicelib.storage.ports.trust import TrustStore
from chalicelib.storage.records import TrustedPublisher
from tests.contract.support import run_threads


def publisher(id: str, package: str = "lib", repository: str = "acme/lib") -> TrustedPublisher:
    return TrustedPublisher(
        id=id,
        package=package,
        type="github",
        claims={"repository": repository, "workflow_ref": {"file": "release.yml"}},
        permissions=("createPackage",),
        created="2026-12-06T00:00:00.000Z",
        creator="alice",
    )


def test_publishers_are_read_back_by_package(trust_store: TrustStore) -> None:
    first, second, other = publisher("a"), publisher("b"), publisher("c", "@acme/tool")
    trust_store.add_trusted_publishers("lib", [first])
    trust_store.add_trusted_publishers("lib", [second])
    trust_store.add_trusted_publishers("@acme/tool", [other])

    assert trust_store.trusted_publishers("lib") == [first, second]
    assert trust_store.trusted_publishers("@acme/tool") == [other]
    assert trust_store.trusted_publishers("none") == []


def test_a_publisher_is_removed_by_id(trust_store: TrustStore) -> None:
    trust_store.add_trusted_publishers("lib", [publisher("a"), publisher("b")])

    assert trust_store.remove_trusted_publisher("lib", "a") is True
    assert trust_store.remove_trusted_publisher("lib", "a") is False
    assert trust_store.remove_trusted_publisher("none", "a") is False
    assert [p.id for p in trust_store.trusted_publishers("lib")] == ["b"]


def test_changes_at_once_all_land(trust_store: TrustStore) -> None:
    def add(i: int) -> None:
        trust_store.add_trusted_publishers("lib", [publisher(f"p{i}")])

    assert run_threads(6, add) == []
    assert sorted(p.id for p in trust_store.trusted_publishers("lib")) == [
        f"p{i}" for i in range(6)
    ]
