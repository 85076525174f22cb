"""`tarbox fsck [--repair]` on both backends: it finds what crashed or refused writes left in
the blob store (and only that), and removes it without touching what the registry serves."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from chalicelib import wiring
from chalicelib.fsck import find_leftovers, repair
from tests.api.conftest import Api, body_of
from tests.api.test_signatures import take_over_now
from tests.builders import a_publish_body

CRASHED = "tarballs/kept/" + "0" * 40 + ".tgz"


def fsck(api: Api, capsys: pytest.CaptureFixture[str], *options: str) -> list[str]:
    assert api.tarbox("fsck", "--grace", "0", *options) == 0
    return capsys.readouterr().out.splitlines()


def test_a_refused_publish_into_an_invalid_scope_leaves_nothing(any_api: Api, alice: str) -> None:
    refused = any_api.call("PUT", "/@-x%2fy", a_publish_body("@-x/y"), token=alice)
    assert refused.status_code == 400, refused.body

    registry = wiring.registry()
    assert list(registry.blobs.list_blobs("")) == []
    assert registry.blobs.empty_folders() == []


def test_fsck_finds_and_repairs_what_no_record_points_to(
    any_api: Api, alice: str, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = wiring.registry()
    assert any_api.publish("kept", "1.0.0", token=alice).status_code == 201
    assert any_api.publish("kept", "1.0.1", token=alice).status_code == 201
    assert any_api.publish("gone", "1.0.0", token=alice).status_code == 201
    assert any_api.publish("gone", "1.0.1", token=alice).status_code == 201
    # Every render so far: the changes below make them old.
    previous = {blob.key for blob in registry.blobs.list_blobs("packuments/")}
    assert len(previous) == 8  # full and corgi after each publish
    time.sleep(1.1)  # S3 keeps times to the second: the renders must be older than the changes
    body = body_of(any_api.call("GET", "/gone?write=true", token=alice))
    rev = body["_rev"]
    del body["versions"]["1.0.1"]  # `npm unpublish gone@1.0.1`
    body["dist-tags"] = {"latest": "1.0.0"}
    assert any_api.call("PUT", f"/gone/-rev/{rev}", body, token=alice).status_code == 201
    unpublished = registry.packages.get_version("gone", "1.0.1")
    assert unpublished is not None
    assert registry.blobs.get(unpublished.tarball_key) is None  # the unpublish removed it
    tagged = any_api.call("PUT", "/-/package/kept/dist-tags/beta", "1.0.0", token=alice)
    assert tagged.status_code in (200, 201), tagged.body
    # A change removes the render it replaces; the ones before that stay, now older.
    previous &= {blob.key for blob in registry.blobs.list_blobs("packuments/")}
    assert {key.split("/")[1] for key in previous} == {"kept", "gone"}
    # What crashes leave: a publish that stored its tarball and stopped, an unpublish that
    # stopped before removing the tarball, a render of a package that is not there.
    registry.blobs.put(CRASHED, b"crashed", "application/octet-stream")
    registry.blobs.put(unpublished.tarball_key, b"kept by a crash", "application/octet-stream")
    registry.blobs.put("packuments/ghost/0123456789abcdef0123/full.json", b"{}", "application/json")
    expected = {
        f"tarball: {CRASHED}",
        f"tarball: {unpublished.tarball_key}",
        "render: packuments/ghost/0123456789abcdef0123/full.json",
        *(f"render: {key}" for key in previous),
    }
    if registry.settings.backend == "embedded":  # what only files have
        blobs = Path(registry.settings.data_dir) / "blobs"
        (blobs / "tarballs" / "kept" / ".tmp-crashed").write_bytes(b"half a tarball")
        os.makedirs(blobs / "tarballs" / "empty")
        expected |= {"temporary file: tarballs/kept/.tmp-crashed", "empty folder: tarballs/empty/"}
    serving = {blob.key for blob in registry.blobs.list_blobs("")} - {
        line.split(": ", 1)[1] for line in expected
    }

    found = fsck(any_api, capsys)
    assert set(found[:-1]) == expected
    assert found[-1] == f"{len(expected)} leftovers; `tarbox fsck --repair` removes them"
    assert find_leftovers(wiring.registry()) == [
        leftover for leftover in find_leftovers(wiring.registry(), 0) if "folder" in leftover.kind
    ]  # by default, nothing younger than ten minutes

    repaired = fsck(any_api, capsys, "--repair")
    assert repaired[-1] == f"removed {len(expected)} of {len(expected)} leftovers"
    assert fsck(any_api, capsys) == ["no leftovers"]
    registry = wiring.registry()
    assert {blob.key for blob in registry.blobs.list_blobs("")} == serving
    assert registry.blobs.empty_folders() == []
    # What is served is untouched.
    for name, version in (("kept", "1.0.0"), ("kept", "1.0.1"), ("gone", "1.0.0")):
        document = body_of(any_api.call("GET", f"/{name}"))
        assert version in document["versions"]
        answer = any_api.call("GET", f"/{name}/-/{name}-{version}.tgz")
        assert answer.status_code in (200, 302), (name, version)


def test_a_key_rotation_leaves_the_renders_signed_with_the_old_key(
    any_api: Api, alice: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert any_api.publish("resigned", "1.0.0", token=alice).status_code == 201
    registry = wiring.registry()
    old = {blob.key for blob in registry.blobs.list_blobs("packuments/resigned/")}
    assert len(old) == 2  # full and corgi
    time.sleep(1.1)  # S3 keeps times to the second: the renders must be older than the key
    assert any_api.tarbox("keys", "rotate") == 0
    capsys.readouterr()
    take_over_now()
    assert any_api.call("GET", "/resigned").status_code == 200  # signed afresh

    found = fsck(any_api, capsys)
    assert set(found[:-1]) == {f"render: {key}" for key in old}


def test_repair_keeps_what_was_written_since_it_was_found(any_api: Api, alice: str) -> None:
    """A publish retried with the same bytes stores the same key: if that happens between
    `fsck` finding the crashed one and removing it, the fresh copy stays."""
    registry = wiring.registry()
    assert any_api.publish("kept", "1.0.0", token=alice).status_code == 201
    registry.blobs.put(CRASHED, b"crashed", "application/octet-stream")
    found = find_leftovers(registry, 0)
    assert [leftover.key for leftover in found] == [CRASHED]

    registry.blobs.put(CRASHED, b"the retried publish", "application/octet-stream")

    assert repair(registry, found, grace=60) == []
    assert registry.blobs.get(CRASHED) == b"the retried publish"
    assert repair(registry, found, grace=0) == found  # written long enough ago: removed


def test_public_copies_are_left_alone_without_the_front_doors_settings(
    any_api: Api, alice: str
) -> None:
    # Run with only the table's and bucket's settings, fsck cannot know what the CDN serves.
    registry = wiring.registry()
    assert any_api.publish("kept", "1.0.0", token=alice).status_code == 201
    registry.blobs.put("public/kept/-/kept-1.0.0.tgz", b"copy", "application/octet-stream")

    assert find_leftovers(registry, 0) == []


def test_a_bundle_no_live_version_names_is_a_leftover(
    any_api: Api, alice: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.api.test_provenance import BUNDLE, NAME, TARBALL, VERSION, with_bundle

    body = with_bundle(a_publish_body(NAME, VERSION, tarball=TARBALL), BUNDLE)
    assert any_api.call("PUT", "/@playwright%2fcli", body, token=alice).status_code == 201
    orphan = "attestations/ghost/" + "0" * 40 + ".sigstore.json"
    wiring.registry().blobs.put(orphan, b"{}", "application/json")

    assert fsck(any_api, capsys) == [
        f"provenance bundle: {orphan}",
        "1 leftovers; `tarbox fsck --repair` removes them",
    ]
