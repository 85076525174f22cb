"""Publishing and reading packages, every route with `foo` and `@alice/foo`."""

from __future__ import annotations

import gzip
import json
import urllib.parse
from typing import Any

import pytest

from chalicelib import wiring
from tests.api.conftest import API_MAX_FILES, API_MAX_TARBALL_BYTES, Api, body_of
from tests.builders import a_publish_body, a_tarball, encoded

NAMES = ["foo", "@alice/foo"]
CORGI = "application/vnd.npm.install-v1+json"


def paths(name: str) -> list[str]:
    """Every way a client puts this name in a packument path."""
    if "/" not in name:
        return [name]
    return [encoded(name), name.replace("/", "%2F"), name]


@pytest.fixture(params=NAMES)
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_publish_then_read_full_and_abbreviated(api: Api, alice: str, name: str) -> None:
    assert api.publish(name, token=alice).status_code == 201
    for path in paths(name):
        full = api.call("GET", f"/{path}")
        assert full.status_code == 200, path
        doc = body_of(full)
        assert doc["name"] == name and doc["dist-tags"] == {"latest": "1.0.0"}
        manifest = doc["versions"]["1.0.0"]
        basename = name.rsplit("/", 1)[-1]
        assert (
            manifest["dist"]["tarball"] == f"https://registry.example/{name}/-/{basename}-1.0.0.tgz"
        )
        assert manifest["_npmUser"] == {"name": "alice", "email": "alice@example.com"}
        assert manifest["dist"]["fileCount"] == 1 and "readme" not in manifest
        assert doc["maintainers"] == [{"name": "alice", "email": "alice@example.com"}]
        assert set(doc["time"]) == {"created", "modified", "1.0.0"}
        assert doc["readme"].startswith("# ") and doc["_rev"].startswith("1-")

        corgi = api.call("GET", f"/{path}", headers={"accept": CORGI})
        assert corgi.headers["Content-Type"] == CORGI
        abbreviated = body_of(corgi)
        assert set(abbreviated) == {"name", "modified", "dist-tags", "versions", "time"}
        # The same `time` as the full document: release-age settings read it from here.
        assert abbreviated["time"] == doc["time"]
        assert "_npmUser" not in abbreviated["versions"]["1.0.0"]


def test_write_true_answers_the_full_document_whatever_the_accept(api: Api, alice: str) -> None:
    api.publish("foo", token=alice)
    doc = body_of(api.call("GET", "/foo?write=true", headers={"accept": CORGI}))
    assert doc["_rev"] and "time" in doc


def test_etag_and_304(api: Api, alice: str, name: str) -> None:
    api.publish(name, token=alice)
    first = api.call("GET", f"/{encoded(name)}")
    etag = first.headers["ETag"]
    assert "must-revalidate" in first.headers["Cache-Control"]
    again = api.call("GET", f"/{encoded(name)}", headers={"if-none-match": etag})
    assert again.status_code == 304
    api.publish(name, "1.1.0", token=alice)
    changed = api.call("GET", f"/{encoded(name)}", headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_head_answers_without_a_body(api: Api, alice: str) -> None:
    api.publish("foo", token=alice)
    response = api.call("HEAD", "/foo")
    assert response.status_code == 200 and response.headers["ETag"]


def test_version_and_tag_reads(api: Api, alice: str, name: str) -> None:
    api.publish(name, token=alice)
    scoped_forms = paths(name)
    for path in scoped_forms:
        for spec in ("1.0.0", "latest"):
            response = api.call("GET", f"/{path}/{spec}")
            assert response.status_code == 200, (path, spec)
            assert body_of(response)["version"] == "1.0.0"
        assert api.call("GET", f"/{path}/9.9.9").status_code == 404


def test_tarball_redirects_to_a_short_lived_presigned_url(api: Api, alice: str, name: str) -> None:
    api.publish(name, token=alice)
    basename = name.rsplit("/", 1)[-1]
    forms = [f"/{name}/-/{basename}-1.0.0.tgz", f"/{encoded(name)}/-/{basename}-1.0.0.tgz"]
    for path in forms:
        response = api.call("GET", path)
        assert response.status_code == 302, path
        location = urllib.parse.urlparse(response.headers["Location"])
        query = urllib.parse.parse_qs(location.query)
        assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
        assert response.headers["Cache-Control"] == "no-store"
    assert api.call("GET", f"/{name}/-/{basename}-2.0.0.tgz").status_code == 404
    assert api.call("GET", f"/{name}/-/other-1.0.0.tgz").status_code == 404


def test_unknown_package_is_404_in_npm_shape(api: Api) -> None:
    for path in (
        "/nope",
        "/@alice%2fnope",
        "/@alice/nope",
        "/nope/1.0.0",
        "/nope/-/nope-1.0.0.tgz",
    ):
        response = api.call("GET", path)
        assert response.status_code == 404, path
        assert set(body_of(response)) == {"error", "message"}


def test_republish_is_403_but_an_identical_retry_succeeds(api: Api, alice: str, name: str) -> None:
    body = a_publish_body(name)
    assert api.call("PUT", f"/{encoded(name)}", body, token=alice).status_code == 201
    retry = api.call("PUT", f"/{encoded(name)}", body, token=alice)
    assert retry.status_code == 200
    changed = a_publish_body(name, manifest={"description": "other bytes"})
    refused = api.call("PUT", f"/{encoded(name)}", changed, token=alice)
    assert refused.status_code == 403
    assert body_of(refused)["error"] == (
        "You cannot publish over the previously published versions: 1.0.0."
    )


def test_only_maintainers_may_publish_new_versions(api: Api, alice: str, name: str) -> None:
    api.publish(name, token=alice)
    bob = api.add_user("bob")
    assert api.publish(name, "2.0.0", token=bob).status_code == 403


def test_publishing_needs_a_login(api: Api) -> None:
    response = api.call("PUT", "/foo", a_publish_body("foo"))
    assert response.status_code == 401


def test_publish_validation_errors_are_400(api: Api, alice: str) -> None:
    cases: list[tuple[str, dict[str, Any]]] = []
    body = a_publish_body("foo")
    cases.append(("name mismatch", {**body, "name": "bar"}))
    cases.append(("two versions", {**body, "versions": {**body["versions"], "2.0.0": {}}}))
    unclean = a_publish_body("foo", "v1.0.0")
    cases.append(("unclean version", unclean))
    bad_length = json.loads(json.dumps(body))
    next(iter(bad_length["_attachments"].values()))["length"] = 1
    cases.append(("length", bad_length))
    bad_sha = json.loads(json.dumps(body))
    bad_sha["versions"]["1.0.0"]["dist"]["shasum"] = "0" * 40
    cases.append(("shasum", bad_sha))
    bad_integrity = json.loads(json.dumps(body))
    bad_integrity["versions"]["1.0.0"]["dist"]["integrity"] = "sha512-AAAA"
    cases.append(("integrity", bad_integrity))
    cases.append(("not gzip", a_publish_body("foo", tarball=b"plain bytes")))
    cases.append(("manifest confusion", a_publish_body("foo", tarball=a_tarball("bar", "1.0.0"))))
    cases.append(("no package.json", a_publish_body("foo", tarball=gzip.compress(b"x" * 1024))))
    for label, case in cases:
        response = api.call("PUT", "/foo", case, token=alice)
        assert response.status_code == 400, (label, response.body)
        assert body_of(response)["error"], label
    assert api.call("PUT", "/foo", b"{not json", token=alice).status_code == 400
    # without a tarball it reads as a deprecate: of a package that does not exist
    no_tarball = api.call("PUT", "/foo", {**body, "_attachments": {}}, token=alice)
    assert no_tarball.status_code == 404
    assert api.call("GET", "/foo").status_code == 404  # nothing was stored


@pytest.mark.parametrize(
    "bad",
    [".hidden", "_under", "UPPER", "http", "node_modules", "a" * 215, "sp ace", "fs", "ex!cl"],
)
def test_names_npm_refuses_for_new_packages_are_400(api: Api, alice: str, bad: str) -> None:
    response = api.call(
        "PUT", f"/{urllib.parse.quote(bad, safe='')}", a_publish_body(bad), token=alice
    )
    assert response.status_code in (400, 404), bad  # 404: names that can never be routed


def test_scoped_default_access_needs_a_plan_402(api: Api, alice: str) -> None:
    for access in (None, "restricted"):
        response = api.publish("@alice/private", token=alice, access=access)
        assert response.status_code == 402
        assert body_of(response)["error"] == "You must sign up for private packages"


def test_restricted_unscoped_is_400(api: Api, alice: str) -> None:
    assert api.publish("foo", token=alice, access="restricted").status_code == 400


def test_scopes_are_claimed_by_the_first_publisher(api: Api, alice: str) -> None:
    bob = api.add_user("bob")
    assert api.publish("@alice/x", token=bob).status_code == 403  # a user's own scope
    assert api.publish("@newscope/x", token=alice).status_code == 201  # unowned: claimed
    assert api.publish("@newscope/y", token=bob).status_code == 403
    assert api.publish("@newscope/y", token=alice).status_code == 201


def test_over_size_tarball_is_413_naming_the_limit(api: Api, alice: str) -> None:
    import os

    big = a_tarball("foo", "1.0.0", files={"blob": os.urandom(API_MAX_TARBALL_BYTES + 1)})
    response = api.call("PUT", "/foo", a_publish_body("foo", tarball=big), token=alice)
    assert response.status_code == 413
    assert "max 0.1 MB" in body_of(response)["error"]


def test_too_many_files_is_415(api: Api, alice: str) -> None:
    files = {f"f{n}.js": b"1" for n in range(API_MAX_FILES + 1)}
    tarball = a_tarball("foo", "1.0.0", files=files)
    response = api.call("PUT", "/foo", a_publish_body("foo", tarball=tarball), token=alice)
    assert response.status_code == 415 and "Too many files" in body_of(response)["error"]


def test_install_script_and_registry_owned_fields(api: Api, alice: str) -> None:
    manifest = {"scripts": {"postinstall": "node x.js"}, "_npmUser": {"name": "mallory"}}
    api.publish("foo", token=alice, manifest=manifest)
    version = body_of(api.call("GET", "/foo/1.0.0"))
    assert version["hasInstallScript"] is True
    assert version["_npmUser"]["name"] == "alice"
    assert "wrong.example" not in version["dist"]["tarball"]


def test_audit_bulk_accepts_gzip_and_answers_empty(api: Api) -> None:
    body = gzip.compress(json.dumps({"foo": ["1.0.0"]}).encode())
    response = api.call(
        "POST", "/-/npm/v1/security/advisories/bulk", body, headers={"content-encoding": "gzip"}
    )
    assert response.status_code == 200 and body_of(response) == {}


def test_ping(api: Api) -> None:
    response = api.call("GET", "/-/ping")
    assert response.status_code == 200 and body_of(response) == {}


def test_a_backend_that_does_not_answer_is_503(api: Api) -> None:
    api.configure(TARBOX_TABLE_NAME="no-such-table")
    response = api.call("GET", "/foo")
    assert response.status_code == 503 and set(body_of(response)) == {"error", "message"}


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


def test_percent_encoded_at_sign_reads_the_scoped_package(api: Api, alice: str) -> None:
    api.publish("@alice/s1", token=alice)
    assert api.call("GET", "/%40alice/s1").status_code == 200


def test_a_bad_host_header_is_not_put_into_tarball_urls(api: Api, alice: str) -> None:
    api.configure(TARBOX_PUBLIC_URL=None)
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
