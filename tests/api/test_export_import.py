"""`tarbox export` and `tarbox import` (chalicelib/backup/): a registry filled through npm's
routes on one backend, exported, and imported into a new registry on the other backend, answers
the same there: packuments, tarballs, logins, tokens, stars, orgs and teams, private packages,
plans, hooks, download counts and search. The real npm against both ends is
tests/e2e/test_export_import.py."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from chalicelib import wiring
from chalicelib.backup.export import export_registry
from chalicelib.backup.layout import MANIFEST, ExportFormatError, ExportReader, blob_path
from chalicelib.backup.package import ImportConflictError
from chalicelib.backup.restore import STATE_KEY, ImportIncompleteError, import_registry
from chalicelib.errors import ConflictError
from chalicelib.orgs.service import create_org
from chalicelib.storage.aws.blobs import ensure_bucket
from chalicelib.storage.aws.table import ensure_table
from tests.api.conftest import Api, basic, body_of, subscribe
from tests.api.test_provenance import BUNDLE, NAME, TARBALL, VERSION, with_bundle
from tests.builders import a_publish_body, encoded

HOOKS = "/-/npm/v1/hooks"
# What each registry answers from its own state rather than the export's.
PER_REGISTRY = ("_rev",)


def quiet(message: str) -> None:
    """Progress lines are for a terminal."""


def ok(answer: Any) -> Any:
    assert 200 <= answer.status_code < 300, answer.body
    return body_of(answer) if answer.body else None


@contextmanager
def other_backend(api: Api, tmp_path: Path) -> Iterator[str]:
    """From here on, the app's registry is a new, empty one on the other backend."""
    if wiring.settings().backend == "embedded":
        with mock_aws():
            api.configure(
                TARBOX_BACKEND="aws",
                TARBOX_TABLE_NAME="tarbox-imported",
                TARBOX_BUCKET_NAME="tarbox-imported-blobs",
                TARBOX_SIGNING_KEYS_SECRET="tarbox-imported/signing-keys",
            )
            ensure_table(wiring.settings())
            ensure_bucket(wiring.settings())
            yield "aws"
        return
    api.configure(TARBOX_BACKEND="embedded", TARBOX_DATA_DIR=str(tmp_path / "imported"))
    yield "embedded"


def fill(api: Api) -> dict[str, str]:
    """A registry with one of everything the export carries; returns the users' tokens."""
    alice, bob = api.add_user("alice"), api.add_user("bob")
    ok(api.publish("left-pad", "1.0.0", token=alice, manifest={"keywords": ["padding"]}))
    ok(
        api.publish(
            "left-pad", "1.1.0", token=alice, manifest={"dependencies": {"right-pad": "^1"}}
        )
    )
    ok(api.publish("right-pad", "1.0.0", token=bob))
    ok(api.call("PUT", "/-/package/left-pad/dist-tags/stable", "1.0.0", token=alice))
    doc = ok(api.call("GET", "/left-pad"))
    doc["versions"]["1.0.0"]["deprecated"] = "use 1.1.0"
    ok(api.call("PUT", "/left-pad", doc, token=alice))
    rev = ok(api.call("GET", "/right-pad"))["_rev"]
    star = {"_id": "right-pad", "_rev": rev, "users": {"alice": True}}
    ok(api.call("PUT", "/right-pad", star, token=alice))
    ok(api.publish("gone", "1.0.0", token=bob))
    gone_rev = ok(api.call("GET", "/gone"))["_rev"]
    ok(api.call("DELETE", f"/gone/-rev/{gone_rev}", token=bob))
    subscribe(api, "alice")
    ok(api.publish("@alice/secret", "1.0.0", token=alice, access="restricted"))
    registry = wiring.registry()
    create_org(registry.orgs, registry.accounts, "acme", "alice")
    ok(api.call("PUT", "/-/org/acme/user", {"user": "bob", "role": "developer"}, token=alice))
    ok(api.call("PUT", "/-/org/acme/team", {"name": "core"}, token=alice))
    ok(api.call("PUT", "/-/team/acme/core/user", {"user": "bob"}, token=alice))
    ok(api.publish("@acme/tool", "1.0.0", token=alice))
    # A version published with provenance (a real bundle): the bundle goes with it.
    provenance = with_bundle(a_publish_body(NAME, VERSION, tarball=TARBALL), BUNDLE)
    ok(api.call("PUT", "/@playwright%2fcli", provenance, token=alice))
    grant = {"package": "@acme/tool", "permissions": "read-write"}
    ok(api.call("PUT", "/-/team/acme/core/package", grant, token=alice))
    created = ok(api.call("POST", "/-/npm/v1/tokens", {"password": "correct horse"}, token=bob))
    hook = {
        "type": "package",
        "name": "left-pad",
        "endpoint": "https://hooks.example/",
        "secret": "s",
    }
    ok(api.call("POST", f"{HOOKS}/hook", hook, token=alice))
    for _ in range(3):
        assert api.call("GET", "/left-pad/-/left-pad-1.1.0.tgz").status_code in (200, 302)
    wiring.download_counter().flush()
    return {"alice": alice, "bob": bob, "bob-created": str(created["token"])}


def views(api: Api, tokens: dict[str, str]) -> dict[str, Any]:
    """What npm users see of everything `fill` made."""
    alice, bob = tokens["alice"], tokens["bob"]

    def get(path: str, token: str | None = None) -> Any:
        answer = api.call("GET", path, token=token)
        return {"status": answer.status_code, "body": body_of(answer) if answer.body else None}

    packuments = {
        name: get(f"/{encoded(name)}", alice)
        for name in ("left-pad", "right-pad", "gone", "@alice/secret", "@acme/tool", NAME)
    }
    for seen in packuments.values():
        for field in PER_REGISTRY:
            (seen["body"] or {}).pop(field, None)
        # Each registry signs with its own key: the signatures are its own, but never missing.
        for version in (seen["body"] or {}).get("versions", {}).values():
            assert version["dist"].pop("signatures"), version["_id"]
    return {
        "packuments": packuments,
        "anonymous secret": get("/@alice%2fsecret")["status"],
        "attestations": get("/-/npm/v1/attestations/@playwright%2fcli@0.1.1"),
        "whoami": [get("/-/whoami", t) for t in tokens.values()],
        "login": api.call(
            "GET", "/-/whoami", headers={"authorization": basic("bob", "correct horse")}
        ).status_code,
        "stars": get('/-/_view/starredByUser?key="alice"'),
        "members": get("/-/org/acme/user", alice),
        "teams": get("/-/org/acme/team", alice),
        "team packages": get("/-/team/acme/core/package", alice),
        "team tool for bob": get("/@acme%2ftool", bob)["status"],
        "hooks": get(f"{HOOKS}?package=left-pad", alice)["body"]["objects"],
        "downloads": get("/downloads/point/last-week/left-pad")["body"]["downloads"],
        "search": [o["package"]["name"] for o in get("/-/v1/search?text=pad")["body"]["objects"]],
        "dependents": get("/-/v1/dependents/right-pad")["body"]["dependents"],
        "plan": get("/-/whoami", alice)["status"],
    }


def test_a_registry_moves_to_the_other_backend_whole(any_api: Api, tmp_path: Path) -> None:
    tokens = fill(any_api)
    before = views(any_api, tokens)
    exported = export_registry(wiring.registry(), tmp_path / "export", quiet)
    assert exported.counts == {
        "users": 2,
        "orgs": 2,  # acme, and the scope @playwright claimed by its first publish
        "plans": 1,
        "subscriptions": 1,
        "downloads": 2,  # left-pad's version and the registry's total
        "packages": 6,
        "hooks": 1,
    }
    assert exported.missing == []

    with other_backend(any_api, tmp_path):
        summary = import_registry(wiring.registry(), tmp_path / "export", quiet)
        after = views(any_api, tokens)
        assert summary.versions == 7
        assert summary.failed == []
        again = export_registry(wiring.registry(), tmp_path / "again", quiet)

    assert after == before
    assert before["downloads"] == 3 and sorted(before["search"]) == ["left-pad", "right-pad"]
    assert before["packuments"]["@alice/secret"]["status"] == 200
    assert before["anonymous secret"] == 404
    assert before["attestations"]["body"]["attestations"][0]["bundle"] == BUNDLE
    assert before["team tool for bob"] == 200
    assert again.counts == exported.counts
    assert _records(tmp_path / "again") == _records(tmp_path / "export")


def _records(root: Path) -> dict[str, list[str]]:
    """Every line of every file, in a stable order, without the compare-and-swap counters each
    registry keeps for itself."""
    found = {}
    for path in sorted(root.glob("*.jsonl")):
        lines = []
        for raw in path.read_text().splitlines():
            line = json.loads(raw)
            line.pop("version", None) if path.stem in ("plans", "subscriptions") else None
            if path.stem == "packages":
                line["package"].pop("rev")
            if path.stem == "users":
                line["tokens"].sort(key=lambda t: t["key"])
            lines.append(json.dumps(line, sort_keys=True))
        found[path.stem] = sorted(lines)
    return found


def test_an_import_stopped_part_way_is_picked_up_where_it_stopped(
    any_api: Api, tmp_path: Path
) -> None:
    tokens = fill(any_api)
    before = views(any_api, tokens)
    export_registry(wiring.registry(), tmp_path / "export", quiet)

    class StoppedError(Exception):
        pass

    def stop_after_downloads(message: str) -> None:
        if message.startswith("downloads"):
            raise StoppedError

    with other_backend(any_api, tmp_path):
        registry = wiring.registry()
        with pytest.raises(StoppedError):
            import_registry(registry, tmp_path / "export", stop_after_downloads)
        resumed = import_registry(registry, tmp_path / "export", quiet)
        assert resumed.imported.get("users") is None and resumed.imported["packages"] == 6
        assert resumed.already == 0  # the phases done were not read again
        third = import_registry(registry, tmp_path / "export", quiet)
        assert (third.imported, third.failed) == ({}, [])
        after = views(any_api, tokens)

    assert after == before  # download counts were added once, not three times


def test_an_import_fills_only_a_new_registry(any_api: Api, tmp_path: Path) -> None:
    fill(any_api)
    registry = wiring.registry()
    export_registry(registry, tmp_path / "export", quiet)
    head = registry.changes.log_head()

    with pytest.raises(ImportConflictError, match="this registry is not empty"):
        import_registry(registry, tmp_path / "export", quiet)

    assert registry.changes.log_head() == head


def test_a_record_someone_else_wrote_meanwhile_is_left_and_named(
    any_api: Api, tmp_path: Path
) -> None:
    fill(any_api)
    export_registry(wiring.registry(), tmp_path / "export", quiet)

    def stop_after_users(message: str) -> None:
        if message.startswith("users"):
            raise KeyboardInterrupt

    with other_backend(any_api, tmp_path):
        with pytest.raises(KeyboardInterrupt):
            import_registry(wiring.registry(), tmp_path / "export", stop_after_users)
        # between the runs, a user of the new registry publishes a name the export has
        carol = any_api.add_user("carol")
        ok(any_api.publish("right-pad", "9.0.0", token=carol))
        with pytest.raises(ImportIncompleteError) as stopped:
            import_registry(wiring.registry(), tmp_path / "export", quiet)
        kept = ok(any_api.call("GET", "/right-pad"))
        tool = any_api.call("GET", "/left-pad")

    assert "right-pad: right-pad here has versions the export does not (9.0.0)" in str(
        stopped.value.message
    )
    assert list(kept["versions"]) == ["9.0.0"]
    assert tool.status_code == 200  # the rest came in


def test_nothing_of_a_user_is_handed_to_someone_else_with_their_name(
    any_api: Api, tmp_path: Path
) -> None:
    """An import that stopped before its users: meanwhile someone registered `bob` on the new
    registry. That bob gets none of the export's bob: no token, membership, package or hook."""
    tokens = fill(any_api)
    export_registry(wiring.registry(), tmp_path / "export", quiet)
    started = {"export": ExportReader(tmp_path / "export").id, "done": [], "downloads": 0}

    with other_backend(any_api, tmp_path):
        registry = wiring.registry()
        registry.blobs.put(STATE_KEY, json.dumps(started).encode(), "application/json")
        other_bob = any_api.add_user("bob", "another password")
        with pytest.raises(ImportIncompleteError) as stopped:
            import_registry(registry, tmp_path / "export", quiet)
        old_token = any_api.call("GET", "/-/whoami", token=tokens["bob"]).status_code
        members = ok(any_api.call("GET", "/-/org/acme/user", token=tokens["alice"]))
        core = ok(any_api.call("GET", "/-/team/acme/core/user", token=tokens["alice"]))
        right_pad = any_api.call("GET", "/right-pad").status_code
        left_pad = any_api.call("GET", "/left-pad").status_code
        mine = ok(any_api.call("GET", "/-/whoami", token=other_bob))

    assert old_token == 401
    assert members == {"alice": "owner"} and "bob" not in core
    assert (right_pad, left_pad) == (404, 200)
    assert mine == {"username": "bob"}
    assert "user bob: another one is here" in stopped.value.message
    assert "org acme: member bob left out" in stopped.value.message
    assert "right-pad: bob here is not the export's" in stopped.value.message


def test_a_tarball_that_does_not_match_its_integrity_is_not_imported(
    any_api: Api, tmp_path: Path
) -> None:
    fill(any_api)
    registry = wiring.registry()
    export_registry(registry, tmp_path / "export", quiet)
    version = registry.packages.get_version("right-pad", "1.0.0")
    assert version is not None
    blob_path(tmp_path / "export", version.tarball_key).write_bytes(b"not the tarball")

    with other_backend(any_api, tmp_path):
        with pytest.raises(ImportIncompleteError) as stopped:
            import_registry(wiring.registry(), tmp_path / "export", quiet)
        missing = any_api.call("GET", "/right-pad").status_code
        imported = any_api.call("GET", "/left-pad").status_code

        with pytest.raises(ImportIncompleteError) as again:  # named on every later run too
            import_registry(wiring.registry(), tmp_path / "export", quiet)

    assert "right-pad@1.0.0: the tarball does not match dist.integrity" in stopped.value.message
    assert "right-pad@1.0.0: the tarball does not match" in again.value.message
    assert (missing, imported) == (404, 200)


def test_a_change_made_after_a_stopped_run_is_not_put_back(any_api: Api, tmp_path: Path) -> None:
    tokens = fill(any_api)
    export_registry(wiring.registry(), tmp_path / "export", quiet)

    def stop_after_packages(message: str) -> None:
        if message.startswith("packages"):
            raise KeyboardInterrupt

    with other_backend(any_api, tmp_path):
        with pytest.raises(KeyboardInterrupt):
            import_registry(wiring.registry(), tmp_path / "export", stop_after_packages)
        alice = tokens["alice"]
        ok(any_api.call("DELETE", "/-/package/left-pad/dist-tags/stable", token=alice))
        ok(any_api.call("DELETE", "/-/team/acme/core/user", {"user": "bob"}, token=alice))
        import_registry(wiring.registry(), tmp_path / "export", quiet)
        tags = ok(any_api.call("GET", "/-/package/left-pad/dist-tags"))
        core = ok(any_api.call("GET", "/-/team/acme/core/user", token=alice))

    assert tags == {"latest": "1.1.0"}
    assert "bob" not in core


def test_a_tarball_key_not_made_from_its_bytes_is_refused(any_api: Api, tmp_path: Path) -> None:
    fill(any_api)
    registry = wiring.registry()
    export_registry(registry, tmp_path / "export", quiet)
    root = tmp_path / "export"
    lines = [json.loads(raw) for raw in (root / "packages.jsonl").read_text().splitlines()]
    for line in lines:
        for version in line["versions"]:
            if version["name"] == "right-pad":
                old = blob_path(root, version["tarball_key"])
                version["tarball_key"] = "tarballs/right-pad/" + "0" * 40 + ".tgz"
                new = blob_path(root, version["tarball_key"])
                old.rename(new)
    _rewrite(root, "packages", lines)

    with other_backend(any_api, tmp_path), pytest.raises(ImportIncompleteError) as stopped:
        import_registry(wiring.registry(), tmp_path / "export", quiet)

    assert "right-pad@1.0.0: its tarball key is not made from its bytes" in stopped.value.message


def test_an_export_that_breaks_the_rules_of_a_document_is_refused(
    any_api: Api, tmp_path: Path
) -> None:
    """An import's copy is checked whole against the rules before its first write
    (writes/replay.py): a dist-tag at a version the export does not have is never stored."""
    fill(any_api)
    export_registry(wiring.registry(), tmp_path / "export", quiet)
    root = tmp_path / "export"
    lines = [json.loads(raw) for raw in (root / "packages.jsonl").read_text().splitlines()]
    for line in lines:
        if line["package"]["name"] == "right-pad":
            line["package"]["dist_tags"]["next"] = "9.9.9"
    _rewrite(root, "packages", lines)

    with other_backend(any_api, tmp_path):
        with pytest.raises(ImportIncompleteError) as stopped:
            import_registry(wiring.registry(), tmp_path / "export", quiet)
        missing = any_api.call("GET", "/right-pad").status_code
        imported = any_api.call("GET", "/left-pad").status_code
        written = wiring.registry().packages.list_versions("right-pad")

    assert "dist-tag 'next' points at a missing version 9.9.9" in stopped.value.message
    assert (missing, imported, written) == (404, 200, [])


def _rewrite(root: Path, kind: str, lines: list[dict[str, Any]]) -> None:
    """Edit an export's file and its manifest's sha256, as a crafted export would."""
    body = "".join(json.dumps(line) + "\n" for line in lines)
    (root / f"{kind}.jsonl").write_text(body)
    manifest = json.loads((root / MANIFEST).read_text())
    manifest["files"][f"{kind}.jsonl"]["sha256"] = hashlib.sha256(body.encode()).hexdigest()
    (root / MANIFEST).write_text(json.dumps(manifest))


def test_an_unfinished_or_changed_export_is_refused(any_api: Api, tmp_path: Path) -> None:
    fill(any_api)
    registry = wiring.registry()
    export_registry(registry, tmp_path / "export", quiet)
    (tmp_path / "export" / MANIFEST).rename(tmp_path / "manifest")

    with pytest.raises(ExportFormatError, match="holds no finished export"):
        ExportReader(tmp_path / "export")

    (tmp_path / "manifest").rename(tmp_path / "export" / MANIFEST)
    with (tmp_path / "export" / "users.jsonl").open("a") as users:
        users.write('{"user": {"name": "mallory"}}\n')
    with pytest.raises(ExportFormatError, match=r"users\.jsonl is missing or was changed"):
        ExportReader(tmp_path / "export")


def test_an_export_goes_only_into_a_new_directory(any_api: Api, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")

    with pytest.raises(ConflictError, match="is not an empty directory"):
        export_registry(wiring.registry(), tmp_path / "full", quiet)

    fill(any_api)
    export_registry(wiring.registry(), tmp_path / "new", quiet)
    made = [tmp_path / "new", *(tmp_path / "new").rglob("*")]
    assert len(made) > 10
    assert [p for p in made if p.stat().st_mode & 0o077] == []  # secrets inside: owner only
    assert (tmp_path / "full" / "notes.txt").read_text() == "mine"


def test_blob_keys_stay_inside_the_export() -> None:
    root = Path("/exports/one")
    assert blob_path(root, "tarballs/@s/n/abc.tgz") == root / "blobs/tarballs/@s/n/abc.tgz"
    for key in ("../etc/passwd", "/etc/passwd", "tarballs/../../x", "tarballs//x", ""):
        with pytest.raises(ExportFormatError, match="outside its directory"):
            blob_path(root, key)


def test_a_record_with_a_field_this_tarbox_does_not_know_is_refused() -> None:
    from chalicelib.backup.layout import decode, encode
    from chalicelib.storage.records import TokenRecord

    token = TokenRecord(
        "k" * 128,
        "alice",
        False,
        "2026-12-01T00:00:00.000Z",
        "npm_ab",
        cidr_whitelist=("10.0.0.0/8",),
    )
    assert decode(TokenRecord, encode(token)) == token
    assert decode(TokenRecord, {k: v for k, v in encode(token).items() if k != "kind"}) == replace(
        token, kind="session"
    )
    with pytest.raises(ExportFormatError, match="does not know: scopes"):
        decode(TokenRecord, {**encode(token), "scopes": []})
