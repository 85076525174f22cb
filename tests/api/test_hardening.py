"""Inputs that once broke the registry or its clients (from a review of the core)."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from chalicelib import wiring
from tests.api.conftest import Api, basic, body_of
from tests.builders import a_publish_body, a_tarball, encoded


def test_a_token_cannot_mint_a_token_through_the_login_retry(api: Api, alice: str) -> None:
    # npm only ever sends the password (Basic) to PUT …/-rev/…; a stolen token must not be able
    # to make a fresh one that survives `npm logout`.
    response = api.call("PUT", "/-/user/org.couchdb.user:alice/-rev/1-0", {}, token=alice)
    assert response.status_code == 401


def test_the_login_retry_is_for_the_named_user_only(api: Api, alice: str) -> None:
    api.add_user("bob")
    response = api.call(
        "PUT",
        "/-/user/org.couchdb.user:alice/-rev/1-0",
        {},
        headers={"authorization": basic("bob", "correct horse")},
    )
    assert response.status_code == 401


def test_the_audit_body_is_inflated_within_a_limit(api: Api) -> None:
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024))
    response = api.call(
        "POST", "/-/npm/v1/security/advisories/bulk", bomb, headers={"content-encoding": "gzip"}
    )
    assert response.status_code == 413, response.body


def test_build_metadata_in_the_tarball_is_compared_cleaned(api: Api, alice: str) -> None:
    # npm sends semver.clean(version) but packs package.json as written.
    tarball = a_tarball("foo", "1.0.0+build.7")
    response = api.call("PUT", "/foo", a_publish_body("foo", tarball=tarball), token=alice)
    assert response.status_code == 201


def test_a_huge_readme_is_truncated_not_refused(api: Api, alice: str) -> None:
    body = a_publish_body("foo")
    body["versions"]["1.0.0"]["readme"] = "# big\n" + "x" * 500_000
    assert api.call("PUT", "/foo", body, token=alice).status_code == 201
    assert len(body_of(api.call("GET", "/foo"))["readme"]) == 64 * 1024


def test_yarn_sends_the_readme_at_the_top_level(api: Api, alice: str) -> None:
    body = a_publish_body("foo")
    del body["versions"]["1.0.0"]["readme"]
    body["readme"] = "# from yarn"
    api.call("PUT", "/foo", body, token=alice)
    assert body_of(api.call("GET", "/foo"))["readme"] == "# from yarn"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": NaN}',
        b'{"name": Infinity}',
        b'{"name": 1e400}',
        b'{"name": "\\ud800"}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_json_that_would_poison_the_packument_is_400(api: Api, alice: str, raw: bytes) -> None:
    response = api.call("PUT", "/foo", raw, token=alice)
    assert response.status_code == 400


@pytest.mark.parametrize("version", ["9007199254740992.0.0", "1.0.0-" + "a" * 260])
def test_versions_node_semver_refuses_are_400(api: Api, alice: str, version: str) -> None:
    response = api.call("PUT", "/foo", a_publish_body("foo", version), token=alice)
    assert response.status_code == 400


def test_a_long_but_valid_version_is_stored(api: Api, alice: str) -> None:
    version = "1.0.0-" + "a" * 240
    assert api.call("PUT", "/foo", a_publish_body("foo", version), token=alice).status_code == 201
    assert body_of(api.call("GET", f"/foo/{version}"))["version"] == version


@pytest.mark.parametrize("tag", ["^1.0.0", "", "a/b", "1.0.0"])
def test_dist_tags_in_a_publish_are_checked(api: Api, alice: str, tag: str) -> None:
    body = a_publish_body("foo")
    body["dist-tags"] = {tag: "1.0.0"}
    assert api.call("PUT", "/foo", body, token=alice).status_code == 400


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dependencies", "lodash"),
        ("dependencies", {"a": 1}),
        ("bin", 3),
        ("os", "linux"),
        ("engines", ["node"]),
        ("scripts", "node x"),
    ],
)
def test_fields_installers_read_must_have_their_types(
    api: Api, alice: str, field: str, value: Any
) -> None:
    body = a_publish_body("foo")
    body["versions"]["1.0.0"][field] = value
    assert api.call("PUT", "/foo", body, token=alice).status_code == 400


def test_a_refused_publish_stores_no_tarball(api: Api, alice: str) -> None:
    api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    bob = api.add_user("bob")
    other = a_publish_body("foo", "9.9.9")
    assert api.call("PUT", "/foo", other, token=bob).status_code == 403
    blobs = wiring.registry().blobs
    shasum = other["versions"]["9.9.9"]["dist"]["shasum"]
    assert blobs.get(f"tarballs/foo/{shasum}.tgz") is None
    changed = a_publish_body("foo", manifest={"description": "other"})
    assert api.call("PUT", "/foo", changed, token=alice).status_code == 403
    assert blobs.get(f"tarballs/foo/{changed['versions']['1.0.0']['dist']['shasum']}.tgz") is None
    original = body_of(api.call("GET", "/foo/1.0.0"))["dist"]["shasum"]
    assert blobs.get(f"tarballs/foo/{original}.tgz") is not None


def test_a_hidden_postinstall_in_the_tarball_still_counts(api: Api, alice: str) -> None:
    tarball = a_tarball("foo", "1.0.0", manifest={"scripts": {"postinstall": "node evil.js"}})
    api.call("PUT", "/foo", a_publish_body("foo", tarball=tarball), token=alice)
    assert body_of(api.call("GET", "/foo/1.0.0"))["hasInstallScript"] is True


def test_two_package_jsons_in_a_tarball_are_refused(api: Api, alice: str) -> None:
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for text in (b'{"name":"foo","version":"1.0.0"}', b'{"name":"evil","version":"6.6.6"}'):
            info = tarfile.TarInfo("package/package.json")
            info.size = len(text)
            archive.addfile(info, io.BytesIO(text))
    body = a_publish_body("foo", tarball=buffer.getvalue())
    assert api.call("PUT", "/foo", body, token=alice).status_code == 400


def test_a_scope_taken_by_a_publisher_makes_that_user_name_unavailable(api: Api) -> None:
    bob = api.add_user("bob")
    assert (
        api.call(
            "PUT", f"/{encoded('@carol/x')}", a_publish_body("@carol/x"), token=bob
        ).status_code
        == 201
    )
    body = {"name": "carol", "password": "pw", "email": "c@x.io"}
    response = api.call("PUT", "/-/user/org.couchdb.user:carol", body)
    assert response.status_code == 400 and "unavailable" in body_of(response)["error"]


def test_percent_encoded_at_sign_reads_the_scoped_package(api: Api, alice: str) -> None:
    api.call("PUT", f"/{encoded('@alice/s1')}", a_publish_body("@alice/s1"), token=alice)
    assert api.call("GET", "/%40alice/s1").status_code == 200


def test_a_bad_host_header_is_not_put_into_tarball_urls(
    api: Api, alice: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TARBOX_PUBLIC_URL")
    wiring.reset()
    api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    response = api.call("GET", "/foo", headers={"host": "a.b/x?"})
    assert response.status_code == 400
    good = api.call("GET", "/foo", headers={"host": "registry.local:8080"})
    assert json.loads(good.body)["versions"]["1.0.0"]["dist"]["tarball"].startswith(
        "http://registry.local:8080/foo/-/"
    )


@pytest.mark.parametrize(
    "damage",
    [lambda data: data[:-8], lambda data: data + b"garbage", lambda data: data[:-8] + bytes(8)],
    ids=["cut-short", "trailing-garbage", "bad-crc"],
)
def test_a_damaged_gzip_stream_is_400_and_burns_no_version(any_api: Api, damage: Any) -> None:
    """Such a tarball was accepted, then `npm install` failed on it, and its version number could
    never be published again."""
    alice = any_api.add_user("alice")
    good = a_tarball("foo", "1.0.0")
    refused = any_api.call("PUT", "/foo", a_publish_body("foo", tarball=damage(good)), token=alice)
    assert refused.status_code == 400, refused.body
    assert "gzip" in body_of(refused)["error"]
    published = any_api.call("PUT", "/foo", a_publish_body("foo", tarball=good), token=alice)
    assert published.status_code == 201, published.body


def test_a_manifest_npm_would_extract_from_another_spelling_is_the_manifest(
    any_api: Api,
) -> None:
    """`package/./package.json` is where npm writes `package.json` too: an install script there
    must count, and beside `package/package.json` it is a second manifest."""
    import io
    import tarfile

    def tarball(*entries: tuple[str, dict[str, Any]]) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for path, manifest in entries:
                text = json.dumps(manifest).encode()
                info = tarfile.TarInfo(path)
                info.size = len(text)
                archive.addfile(info, io.BytesIO(text))
        return buffer.getvalue()

    alice = any_api.add_user("alice")
    plain = {"name": "foo", "version": "1.0.0"}
    hidden = {**plain, "scripts": {"install": "node evil.js"}}
    both = tarball(("package/package.json", plain), ("package/./package.json", hidden))
    refused = any_api.call("PUT", "/foo", a_publish_body("foo", tarball=both), token=alice)
    assert refused.status_code == 400
    assert "more than one package.json" in body_of(refused)["error"]
    alone = tarball(("package//package.json", hidden))
    published = any_api.call("PUT", "/foo", a_publish_body("foo", tarball=alone), token=alice)
    assert published.status_code == 201, published.body
    assert body_of(any_api.call("GET", "/foo/1.0.0"))["hasInstallScript"] is True
