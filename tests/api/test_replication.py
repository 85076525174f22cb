"""Copying a package from another registry (`chalicelib/replication/copy.py`), on both backends:
integrity is checked before anything is written, a local version with other bytes is never
overwritten, a second copy writes nothing, and a source's unpublish leaves a tombstone. The
whole follow loop against a real second server is tests/e2e/test_mirror.py."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.errors import IntegrityMismatchError
from chalicelib.replication.copy import ReplicationConflictError, copy_deletion, copy_package
from tests.api.conftest import Api, body_of, subscribe
from tests.builders import a_publish_body, a_tarball, integrity_of

SOURCE = "https://source.example"


def packument(name: str, tarballs: dict[str, bytes], **extra: Any) -> dict[str, Any]:
    """A full document as another registry serves it."""
    versions = {
        number: {
            "name": name,
            "version": number,
            "_npmUser": {"name": "sam", "email": "sam@example.com"},
            "dist": {
                "integrity": integrity_of(data),
                "shasum": hashlib.sha1(data).hexdigest(),
                "tarball": f"{SOURCE}/{name}/-/{name}-{number}.tgz",
            },
        }
        for number, data in tarballs.items()
    }
    numbers = list(tarballs)
    return {
        "_id": name,
        "name": name,
        "dist-tags": {"latest": numbers[-1]},
        "versions": versions,
        "maintainers": [{"name": "sam", "email": "sam@example.com"}],
        "time": {
            "created": "2020-01-01T00:00:00.000Z",
            "modified": "2020-01-03T00:00:00.000Z",
            **{n: f"2020-01-0{i + 1}T00:00:00.000Z" for i, n in enumerate(numbers)},
        },
        **extra,
    }


def fetcher(tarballs: dict[str, bytes]) -> Any:
    by_url = {f"{SOURCE}/foo/-/foo-{n}.tgz": data for n, data in tarballs.items()}
    return lambda url: by_url[url]


TARBALLS = {"1.0.0": a_tarball("foo", "1.0.0"), "1.1.0": a_tarball("foo", "1.1.0")}


def test_a_copy_serves_what_the_source_serves_and_a_second_copy_writes_nothing(
    any_api: Api,
) -> None:
    registry = wiring.registry()
    doc = packument("foo", TARBALLS, readme="# foo")
    doc["versions"]["1.0.0"]["deprecated"] = "old"
    copied = copy_package(registry, doc, fetcher(TARBALLS), private=False)
    assert (copied.versions, copied.changed) == (2, True)

    served = body_of(any_api.call("GET", "/foo"))
    assert served["dist-tags"] == {"latest": "1.1.0"}
    assert served["versions"]["1.0.0"]["deprecated"] == "old"
    assert served["versions"]["1.1.0"]["dist"]["integrity"] == integrity_of(TARBALLS["1.1.0"])
    assert served["versions"]["1.1.0"]["dist"]["tarball"].startswith("https://registry.example/")
    assert served["time"]["created"] == "2020-01-01T00:00:00.000Z"
    assert served["maintainers"] == [{"name": "sam", "email": "sam@example.com"}]
    tarball = any_api.call("GET", "/foo/-/foo-1.1.0.tgz")
    assert tarball.status_code in (200, 302)

    head = registry.changes.log_head().seq
    again = copy_package(registry, doc, fetcher(TARBALLS), private=False)
    assert (again.versions, again.changed) == (0, False)
    assert registry.changes.log_head().seq == head


def test_a_package_the_mirror_tombstoned_comes_back_when_the_source_serves_it(
    any_api: Api,
) -> None:
    """The source answered 404 (a token lost its access, a package went private there), so the
    mirror left a tombstone; served again, the package is copied back as it is there."""
    registry = wiring.registry()
    doc = packument("foo", TARBALLS)
    copy_package(registry, doc, fetcher(TARBALLS), private=False)
    assert copy_deletion(registry, "foo").deleted
    assert "unpublished" in body_of(any_api.call("GET", "/foo"))["time"]  # the tombstone

    again = copy_package(registry, doc, fetcher(TARBALLS), private=False)

    assert (again.versions, again.changed) == (0, True)
    served = body_of(any_api.call("GET", "/foo"))
    assert sorted(served["versions"]) == ["1.0.0", "1.1.0"]
    assert served["dist-tags"] == {"latest": "1.1.0"}


def test_a_copy_keeps_a_source_without_a_latest_tag(any_api: Api) -> None:
    """A person's change must keep `latest`; a copy keeps what its source has (npm picks the
    highest version when there is none)."""
    doc = packument("foo", TARBALLS, **{"dist-tags": {"next": "1.1.0"}})
    copied = copy_package(wiring.registry(), doc, fetcher(TARBALLS), private=False)
    assert copied.versions == 2
    assert body_of(any_api.call("GET", "/foo"))["dist-tags"] == {"next": "1.1.0"}


def test_a_tarball_that_fails_its_integrity_check_writes_nothing(any_api: Api) -> None:
    registry = wiring.registry()
    doc = packument("foo", TARBALLS)
    tampered = {**TARBALLS, "1.1.0": a_tarball("foo", "1.1.0", files={"evil.js": b"x"})}
    with pytest.raises(IntegrityMismatchError):
        copy_package(registry, doc, fetcher(tampered), private=False)
    assert registry.packages.get_package("foo") is None
    assert registry.changes.log_head().seq == 0


def test_a_local_version_with_other_bytes_is_never_overwritten(any_api: Api, alice: str) -> None:
    assert any_api.call("PUT", "/foo", a_publish_body("foo"), token=alice).status_code == 201
    before = body_of(any_api.call("GET", "/foo"))
    with pytest.raises(ReplicationConflictError, match="different bytes"):
        copy_package(
            wiring.registry(), packument("foo", TARBALLS), fetcher(TARBALLS), private=False
        )
    assert body_of(any_api.call("GET", "/foo")) == before


def test_a_private_copy_stays_private_and_an_unpublish_leaves_a_tombstone(
    any_api: Api, alice: str
) -> None:
    from chalicelib.orgs.service import create_org

    registry = wiring.registry()
    create_org(
        registry.orgs, registry.accounts, "corp", "alice"
    )  # the operator gives the scope owners first
    name = "@corp/foo"
    data = {"1.0.0": a_tarball(name, "1.0.0")}
    doc = packument(name, data)
    urls = {doc["versions"]["1.0.0"]["dist"]["tarball"]: data["1.0.0"]}
    copy_package(registry, doc, urls.__getitem__, private=True)
    assert any_api.call("GET", "/@corp%2ffoo").status_code == 404  # anonymous: hidden
    assert any_api.call("GET", "/@corp%2ffoo", token=alice).status_code == 200  # its org's owner
    stored = registry.packages.get_package(name)
    assert stored is not None and stored.access == "restricted"
    assert stored.maintainers == ()  # no source user name is trusted with a private copy

    gone = copy_deletion(registry, name)
    assert gone.deleted
    stored = registry.packages.get_package(name)
    assert stored is not None and stored.tombstone is not None
    assert stored.unpublished.keys() == {"1.0.0"}  # the number stays used
    assert copy_deletion(registry, name).changed is False


def test_a_mirror_never_takes_a_package_a_scope_or_access(any_api: Api, alice: str) -> None:
    registry = wiring.registry()
    # this registry's own package: it has a version the source never had
    assert any_api.call("PUT", "/foo", a_publish_body("foo", "0.9.0"), token=alice).status_code
    with pytest.raises(ReplicationConflictError, match="registry's own package"):
        copy_package(registry, packument("foo", TARBALLS), fetcher(TARBALLS), private=False)
    # a private package here is never made public by a copy
    subscribe(any_api, "alice")
    secret = a_publish_body("@alice/x", "1.0.0", access="restricted")
    assert any_api.call("PUT", "/@alice%2fx", secret, token=alice).status_code == 201
    data = {"1.0.0": secret_tarball(secret)}
    doc = packument("@alice/x", data)
    with pytest.raises(ReplicationConflictError, match="never makes it public"):
        copy_package(registry, doc, lambda url: data["1.0.0"], private=False)
    assert registry.packages.get_package("@alice/x").access == "restricted"  # type: ignore[union-attr]
    # a private package goes only into a scope someone here holds
    name = "@nobody/y"
    data = {"1.0.0": a_tarball(name, "1.0.0")}
    with pytest.raises(ReplicationConflictError, match="must be held here first"):
        copy_package(registry, packument(name, data), lambda url: data["1.0.0"], private=True)
    assert registry.packages.get_package(name) is None


def secret_tarball(body: dict[str, Any]) -> bytes:
    import base64

    attachment = next(iter(body["_attachments"].values()))
    return base64.b64decode(attachment["data"])
