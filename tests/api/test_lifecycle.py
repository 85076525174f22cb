"""deprecate, owners, stars and unpublish through npm's routes, with `foo` and `@alice/foo`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api, body_of
from tests.builders import a_publish_body, encoded


@pytest.fixture(params=["foo", "@alice/foo"])
def name(request: pytest.FixtureRequest, api: Api, alice: str) -> str:
    name = str(request.param)
    for version in ("1.0.0", "1.1.0"):
        assert api.publish(name, version, token=alice).status_code == 201
    return name


def doc(api: Api, name: str) -> dict[str, Any]:
    return dict(body_of(api.call("GET", f"/{encoded(name)}?write=true")))


def test_deprecate_applies_only_the_deprecated_fields(api: Api, alice: str, name: str) -> None:
    sent = doc(api, name)
    sent["versions"]["1.0.0"]["deprecated"] = "use 1.1.0"
    sent["versions"]["1.0.0"]["main"] = "evil.js"  # ignored: published metadata is immutable
    sent["description"] = "ignored too"
    assert api.call("PUT", f"/{encoded(name)}", sent, token=alice).status_code == 201
    after = doc(api, name)
    assert after["versions"]["1.0.0"]["deprecated"] == "use 1.1.0"
    assert "main" not in after["versions"]["1.0.0"] and after.get("description") != "ignored too"
    assert after["_rev"] != sent["_rev"] and after["time"]["modified"] >= sent["time"]["modified"]
    corgi = body_of(
        api.call(
            "GET", f"/{encoded(name)}", headers={"accept": "application/vnd.npm.install-v1+json"}
        )
    )
    assert corgi["versions"]["1.0.0"]["deprecated"] == "use 1.1.0"

    after["versions"]["1.0.0"]["deprecated"] = ""  # npm undeprecate
    api.call("PUT", f"/{encoded(name)}", after, token=alice)
    assert "deprecated" not in doc(api, name)["versions"]["1.0.0"]


def test_a_deprecate_with_a_stale_rev_is_409(api: Api, alice: str, name: str) -> None:
    first, second = doc(api, name), doc(api, name)
    first["versions"]["1.0.0"]["deprecated"] = "one"
    second["versions"]["1.1.0"]["deprecated"] = "two"
    assert api.call("PUT", f"/{encoded(name)}", first, token=alice).status_code == 201
    assert api.call("PUT", f"/{encoded(name)}", second, token=alice).status_code == 409
    assert doc(api, name)["versions"]["1.0.0"]["deprecated"] == "one"


def test_a_deprecate_cannot_add_or_remove_versions(api: Api, alice: str, name: str) -> None:
    sent = doc(api, name)
    del sent["versions"]["1.0.0"]
    assert api.call("PUT", f"/{encoded(name)}", sent, token=alice).status_code == 400


def test_owner_add_and_rm_and_concurrent_changes_conflict(api: Api, alice: str, name: str) -> None:
    api.add_user("bob")
    api.add_user("carol")
    rev = doc(api, name)["_rev"]
    path = f"/{encoded(name)}/-rev/{rev}"
    add_bob = {"_id": name, "_rev": rev, "maintainers": [{"name": "alice"}, {"name": "bob"}]}
    add_carol = {"_id": name, "_rev": rev, "maintainers": [{"name": "alice"}, {"name": "carol"}]}
    first = api.call("PUT", path, add_bob, token=alice)
    assert first.status_code == 201 and body_of(first)["ok"] is True  # npm parses this as JSON
    assert api.call("PUT", path, add_carol, token=alice).status_code == 409
    maintainers = doc(api, name)["maintainers"]
    assert maintainers == [
        {"name": "alice", "email": "alice@example.com"},
        {"name": "bob", "email": "bob@example.com"},
    ]


def test_owner_changes_need_an_owner_and_real_users(api: Api, alice: str, name: str) -> None:
    bob = api.add_user("bob")
    rev = doc(api, name)["_rev"]
    path = f"/{encoded(name)}/-rev/{rev}"
    himself = {"_id": name, "maintainers": [{"name": "alice"}, {"name": "bob"}]}
    assert api.call("PUT", path, himself, token=bob).status_code == 403
    ghost = {"_id": name, "maintainers": [{"name": "alice"}, {"name": "ghost"}]}
    assert api.call("PUT", path, ghost, token=alice).status_code == 400
    nobody = {"_id": name, "maintainers": []}
    assert api.call("PUT", path, nobody, token=alice).status_code == 400


def test_stars_are_only_your_own(api: Api, alice: str, name: str) -> None:
    bob = api.add_user("bob")
    rev = doc(api, name)["_rev"]
    star = {"_id": name, "_rev": rev, "users": {"bob": True}}
    answered = api.call("PUT", f"/{encoded(name)}", star, token=bob)
    assert answered.status_code == 201 and body_of(answered)["ok"] is True
    rows = body_of(api.call("GET", '/-/_view/starredByUser?key="bob"'))["rows"]
    assert [row["value"] for row in rows] == [name]
    forged = {"_id": name, "users": {"bob": True, "carol": True}}
    assert api.call("PUT", f"/{encoded(name)}", forged, token=bob).status_code == 403
    assert api.call("GET", "/-/_view/starredByUser?key=bob").status_code == 400


def test_unpublish_a_version_then_its_tarball(api: Api, alice: str, name: str) -> None:
    sent = doc(api, name)
    del sent["versions"]["1.1.0"]
    sent["dist-tags"] = {"latest": "1.0.0"}
    put = api.call("PUT", f"/{encoded(name)}/-rev/{sent['_rev']}", sent, token=alice)
    assert put.status_code == 201
    after = doc(api, name)
    assert set(after["versions"]) == {"1.0.0"} and after["dist-tags"] == {"latest": "1.0.0"}
    assert "1.1.0" in after["time"]
    basename = name.rsplit("/", 1)[-1]
    tarball = f"/{name}/-/{basename}-1.1.0.tgz"
    assert api.call("GET", tarball).status_code == 404
    deleted = api.call("DELETE", f"{tarball}/-rev/{after['_rev']}", token=alice)
    assert deleted.status_code == 200
    live = api.call("DELETE", f"/{name}/-/{basename}-1.0.0.tgz/-rev/{after['_rev']}", token=alice)
    assert live.status_code == 403
    assert api.call("GET", f"/{encoded(name)}/1.1.0").status_code == 404


def test_latest_is_recomputed_by_semver_when_its_version_goes(api: Api, alice: str) -> None:
    for version in ("1.0.0", "1.10.0", "1.9.0", "2.0.0-rc.1"):
        body = a_publish_body("bar", version, tag="latest" if version == "1.9.0" else "next")
        api.call("PUT", "/bar", body, token=alice)
    sent = doc(api, "bar")
    del sent["versions"]["1.9.0"]
    api.call("PUT", f"/bar/-rev/{sent['_rev']}", sent, token=alice)
    assert doc(api, "bar")["dist-tags"]["latest"] == "1.10.0"


def test_an_unpublish_cannot_also_deprecate(api: Api, alice: str, name: str) -> None:
    sent = doc(api, name)
    del sent["versions"]["1.1.0"]
    sent["versions"]["1.0.0"]["deprecated"] = "sneaky"
    response = api.call("PUT", f"/{encoded(name)}/-rev/{sent['_rev']}", sent, token=alice)
    assert response.status_code == 400


def test_unpublish_the_whole_package(api: Api, alice: str, name: str) -> None:
    rev = doc(api, name)["_rev"]
    bob = api.add_user("bob")
    assert api.call("DELETE", f"/{encoded(name)}/-rev/{rev}", token=bob).status_code == 403
    assert api.call("DELETE", f"/{encoded(name)}/-rev/1-stale", token=alice).status_code == 409
    assert api.call("DELETE", f"/{encoded(name)}/-rev/{rev}", token=alice).status_code == 200
    tomb = doc(api, name)
    assert tomb["time"]["unpublished"]["versions"] == ["1.0.0", "1.1.0"]
    assert "versions" not in tomb
    basename = name.rsplit("/", 1)[-1]
    assert api.call("GET", f"/{name}/-/{basename}-1.0.0.tgz").status_code == 404
    assert api.call("GET", f"/-/package/{encoded(name)}/dist-tags").status_code == 404
    # the name stays blocked for others; the former owner may publish new versions only
    assert api.publish(name, "1.0.0", token=alice).status_code == 403
    assert api.publish(name, "3.0.0", token=alice).status_code == 201
    assert doc(api, name)["dist-tags"] == {"latest": "3.0.0"}


def test_within_the_window_dependents_do_not_block_unpublish(
    api: Api, alice: str, name: str
) -> None:
    app = a_publish_body("app", manifest={"dependencies": {name: "^1.0.0"}})
    assert api.call("PUT", "/app", app, token=alice).status_code == 201
    rev = doc(api, name)["_rev"]
    assert api.call("DELETE", f"/{encoded(name)}/-rev/{rev}", token=alice).status_code == 200


def test_others_may_take_an_unpublished_name_once_the_block_ends(api: Api, alice: str) -> None:
    api.configure(TARBOX_UNPUBLISHED_NAME_BLOCK_HOURS="0")
    api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    rev = body_of(api.call("GET", "/foo?write=true"))["_rev"]
    assert api.call("DELETE", f"/foo/-rev/{rev}", token=alice).status_code == 200
    bob = api.add_user("bob")
    assert api.call("PUT", "/foo", a_publish_body("foo", "1.0.0"), token=bob).status_code == 403
    assert api.call("PUT", "/foo", a_publish_body("foo", "2.0.0"), token=bob).status_code == 201
    assert body_of(api.call("GET", "/foo"))["maintainers"][0]["name"] == "bob"


def test_unpublishing_latest_drops_its_readme_and_description(api: Api, alice: str) -> None:
    api.call(
        "PUT", "/foo", a_publish_body("foo", "1.0.0", manifest={"description": "fine"}), token=alice
    )
    secret = a_publish_body("foo", "1.1.0", manifest={"description": "SECRET"})
    secret["versions"]["1.1.0"]["readme"] = "api_key=123"
    api.call("PUT", "/foo", secret, token=alice)
    doc = body_of(api.call("GET", "/foo?write=true"))
    del doc["versions"]["1.1.0"]
    api.call("PUT", f"/foo/-rev/{doc['_rev']}", doc, token=alice)
    after = body_of(api.call("GET", "/foo"))
    assert after["description"] == "fine" and "api_key" not in after["readme"]


def test_a_version_read_shows_its_deprecation(api: Api, alice: str) -> None:
    api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    doc = body_of(api.call("GET", "/foo?write=true"))
    doc["versions"]["1.0.0"]["deprecated"] = "old"
    api.call("PUT", "/foo", doc, token=alice)
    assert body_of(api.call("GET", "/foo/1.0.0"))["deprecated"] == "old"


def test_stars_of_an_unpublished_package_are_not_listed(api: Api, alice: str) -> None:
    api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    api.call("PUT", "/foo", {"_id": "foo", "users": {"alice": True}}, token=alice)
    assert [
        r["value"] for r in body_of(api.call("GET", '/-/_view/starredByUser?key="alice"'))["rows"]
    ] == ["foo"]
    rev = body_of(api.call("GET", "/foo?write=true"))["_rev"]
    api.call("DELETE", f"/foo/-rev/{rev}", token=alice)
    assert body_of(api.call("GET", '/-/_view/starredByUser?key="alice"'))["rows"] == []
