"""Holes found by reviewing the lifecycle and account code, each pinned by a test."""

from __future__ import annotations

import pyotp
import pytest

from chalicelib import wiring
from chalicelib.http.observe import redacted
from chalicelib.packuments.relations import dependency_names
from tests.api.conftest import Api, basic, body_of
from tests.builders import a_publish_body

USER = "/-/npm/v1/user"
TOKENS = "/-/npm/v1/tokens"


def enable(api: Api, token: str, mode: str) -> pyotp.TOTP:
    started = body_of(
        api.call("POST", USER, {"tfa": {"mode": mode, "password": "correct horse"}}, token=token)
    )
    totp = pyotp.TOTP(started["tfa"].split("secret=")[1].split("&")[0])
    api.call("POST", USER, {"tfa": [totp.now()]}, token=token)
    return totp


def test_wrong_one_time_passwords_are_rate_limited(api: Api, alice: str) -> None:
    totp = enable(api, alice, "auth-and-writes")
    api.call("PUT", "/foo", a_publish_body("foo"), token=alice, headers={"npm-otp": totp.now()})
    wrong = "000000" if totp.now() != "000000" else "111111"
    path = "/-/package/foo/dist-tags/latest"
    statuses = [
        api.call("PUT", path, "1.0.0", token=alice, headers={"npm-otp": wrong}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    # even the right code waits now
    assert (
        api.call("PUT", path, "1.0.0", token=alice, headers={"npm-otp": totp.now()}).status_code
        == 429
    )


@pytest.mark.parametrize(
    "grants",
    [
        {"packages": ["foo"], "packages_and_scopes_permission": "no-access"},
        {"orgs": ["acme"], "orgs_permission": "read-write"},
    ],
)
def test_granular_tokens_without_package_write_grants_write_nothing(
    api: Api, alice: str, grants: dict[str, object]
) -> None:
    api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    token = body_of(api.call("POST", TOKENS, {"password": "correct horse", **grants}, token=alice))[
        "token"
    ]
    assert api.call("PUT", "/-/package/foo/dist-tags/x1", "1.0.0", token=token).status_code == 403
    assert api.call("PUT", "/foo", a_publish_body("foo", "2.0.0"), token=token).status_code == 403


def test_limited_tokens_cannot_manage_the_account(api: Api, alice: str) -> None:
    reader = body_of(
        api.call("POST", TOKENS, {"password": "correct horse", "readonly": True}, token=alice)
    )
    limited = body_of(
        api.call("POST", TOKENS, {"password": "correct horse", "packages": ["foo"]}, token=alice)
    )["token"]
    victim = body_of(api.call("POST", TOKENS, {"password": "correct horse"}, token=alice))["key"]
    assert api.call("DELETE", f"{TOKENS}/token/{victim}", token=reader["token"]).status_code == 403
    assert api.call("POST", USER, {"email": "evil@x.io"}, token=limited).status_code == 403
    assert api.call("POST", TOKENS, {"password": "correct horse"}, token=limited).status_code == 403


def test_auth_only_still_guards_tokens_and_password(api: Api, alice: str) -> None:
    totp = enable(api, alice, "auth-only")
    assert api.call("POST", TOKENS, {"password": "correct horse"}, token=alice).status_code == 401
    change = {"password": {"old": "correct horse", "new": "other"}}
    assert api.call("POST", USER, change, token=alice).status_code == 401
    ok = api.call(
        "POST", TOKENS, {"password": "correct horse"}, token=alice, headers={"npm-otp": totp.now()}
    )
    assert ok.status_code == 200


def test_password_guesses_through_the_profile_count(api: Api, alice: str) -> None:
    for n in range(10):
        api.call("POST", USER, {"password": {"old": f"guess{n}", "new": "x"}}, token=alice)
    login = api.call(
        "PUT", "/-/user/org.couchdb.user:alice", {"name": "alice", "password": "correct horse"}
    )
    assert login.status_code == 429


def test_remembered_basic_credentials_do_not_skip_new_two_factor(api: Api, alice: str) -> None:
    api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    plain = {"authorization": basic("alice", "correct horse")}
    assert api.call("GET", "/-/whoami", headers=plain).status_code == 200  # remembered
    enable(api, alice, "auth-and-writes")
    assert (
        api.call("PUT", "/-/package/foo/dist-tags/latest", "1.0.0", headers=plain).status_code
        == 401
    )


def test_others_may_take_an_unpublished_name_once_the_block_ends(
    api: Api, alice: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TARBOX_UNPUBLISHED_NAME_BLOCK_HOURS", "0")
    wiring.reset()
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


def test_secrets_in_paths_are_not_logged_and_aliases_count_as_dependents() -> None:
    assert redacted("/-/user/token/tbx_secret") == "/-/user/token/[redacted]"
    assert redacted("/-/v1/done/abc") == "/-/v1/done/[redacted]"
    assert redacted("/foo") == "/foo"
    # on API Gateway's own domain the stage comes first
    assert redacted("/api/-/user/token/tbx_secret") == "/api/-/user/token/[redacted]"
    assert redacted("/api/-/v1/login/page/key?x=1") == "/api/-/v1/login/page/[redacted]"
    deps = {
        "dependencies": {"mylib": "npm:lib@^1", "x": "npm:@s/y@2"},
        "peerDependencies": {"p": "1"},
    }
    assert dependency_names(deps) == ["@s/y", "lib", "p"]


def test_stars_of_an_unpublished_package_are_not_listed(api: Api, alice: str) -> None:
    api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    api.call("PUT", "/foo", {"_id": "foo", "users": {"alice": True}}, token=alice)
    assert [
        r["value"] for r in body_of(api.call("GET", '/-/_view/starredByUser?key="alice"'))["rows"]
    ] == ["foo"]
    rev = body_of(api.call("GET", "/foo?write=true"))["_rev"]
    api.call("DELETE", f"/foo/-rev/{rev}", token=alice)
    assert body_of(api.call("GET", '/-/_view/starredByUser?key="alice"'))["rows"] == []
