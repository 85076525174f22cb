"""Profile and two-factor auth through `/-/npm/v1/user`, and where one-time passwords are needed."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, basic, body_of
from tests.api.helpers import TOKENS, USER, enable, otp
from tests.builders import a_publish_body


def test_profile_get_and_set(api: Api, alice: str) -> None:
    profile = body_of(api.call("GET", USER, token=alice))
    assert profile["name"] == "alice" and profile["tfa"] is False
    changed = body_of(api.call("POST", USER, {"fullname": "Alice A", "github": None}, token=alice))
    assert changed["fullname"] == "Alice A"
    assert api.call("POST", USER, {"fullname": 3}, token=alice).status_code == 400
    assert api.call("GET", USER).status_code == 401


def test_password_change_needs_the_old_password(api: Api, alice: str) -> None:
    wrong = {"password": {"old": "nope", "new": "new one"}}
    assert api.call("POST", USER, wrong, token=alice).status_code == 401
    right = {"password": {"old": "correct horse", "new": "new one"}}
    assert api.call("POST", USER, right, token=alice).status_code == 200
    login = {"name": "alice", "password": "new one"}
    assert api.call("PUT", "/-/user/org.couchdb.user:alice", login).status_code == 201


def test_auth_and_writes(api: Api, alice: str) -> None:
    totp, recovery = enable(api, alice)
    assert len(recovery) == 5
    refused = api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "OTP"
    bad = api.call("PUT", "/foo", a_publish_body("foo"), token=alice, headers=otp("123456"))
    assert bad.status_code == 401
    ok = api.call("PUT", "/foo", a_publish_body("foo"), token=alice, headers=otp(totp.now()))
    assert ok.status_code == 201
    # exempt: non-latest dist-tags and stars; not exempt: latest
    assert api.call("PUT", "/-/package/foo/dist-tags/beta", "1.0.0", token=alice).status_code == 201
    assert (
        api.call("PUT", "/-/package/foo/dist-tags/latest", "1.0.0", token=alice).status_code == 401
    )
    star: dict[str, Any] = {"_id": "foo", "users": {"alice": True}}
    assert api.call("PUT", "/foo", star, token=alice).status_code == 201
    # a recovery code works once
    first = api.call(
        "PUT", "/-/package/foo/dist-tags/latest", "1.0.0", token=alice, headers=otp(recovery[0])
    )
    assert first.status_code == 201
    again = api.call(
        "PUT", "/-/package/foo/dist-tags/latest", "1.0.0", token=alice, headers=otp(recovery[0])
    )
    assert again.status_code == 401


def test_auth_only_protects_login_not_writes(api: Api, alice: str) -> None:
    totp, _ = enable(api, alice, "auth-only")
    assert api.call("PUT", "/foo", a_publish_body("foo"), token=alice).status_code == 201
    login = {"name": "alice", "password": "correct horse"}
    refused = api.call("PUT", "/-/user/org.couchdb.user:alice", login)
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "OTP"
    ok = api.call("PUT", "/-/user/org.couchdb.user:alice", login, headers=otp(totp.now()))
    assert ok.status_code == 201
    # a password alone (Basic) is not enough either
    plain = {"authorization": basic("alice", "correct horse")}
    assert api.call("GET", "/-/whoami", headers=plain).status_code == 401
    assert api.call("GET", "/-/whoami", headers={**plain, **otp(totp.now())}).status_code == 200


def test_disable_needs_password_and_otp(api: Api, alice: str) -> None:
    totp, _ = enable(api, alice)
    body = {"tfa": {"password": "correct horse", "mode": "disable"}}
    assert api.call("POST", USER, body, token=alice).status_code == 401
    assert api.call("POST", USER, body, token=alice, headers=otp(totp.now())).status_code == 200
    assert body_of(api.call("GET", USER, token=alice))["tfa"] is False
    assert api.call("PUT", "/foo", a_publish_body("foo"), token=alice).status_code == 201


def test_switching_mode_keeps_the_secret(api: Api, alice: str) -> None:
    totp, _ = enable(api, alice)
    body = {"tfa": {"password": "correct horse", "mode": "auth-only"}}
    switched = body_of(api.call("POST", USER, body, token=alice, headers=otp(totp.now())))
    assert switched["tfa"] == {"mode": "auth-only", "pending": False}


def test_package_mfa_levels(api: Api, alice: str) -> None:
    api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    assert body_of(api.call("GET", "/-/package/foo/visibility")) == {"public": True}
    bob = api.add_user("bob")
    flags = {"publish_requires_tfa": True, "automation_token_overrides_tfa": True}
    assert api.call("POST", "/-/package/foo/access", flags, token=bob).status_code == 403
    assert api.call("POST", "/-/package/foo/access", flags, token=alice).status_code == 200
    # mfa=automation: a token made with bypass_2fa publishes without a code; others need 2FA
    assert api.call("PUT", "/foo", a_publish_body("foo", "1.1.0"), token=alice).status_code == 403
    automation = body_of(
        api.call(
            "POST",
            "/-/npm/v1/tokens",
            {"password": "correct horse", "bypass_2fa": True},
            token=alice,
        )
    )["token"]
    assert (
        api.call("PUT", "/foo", a_publish_body("foo", "1.1.0"), token=automation).status_code == 201
    )
    restricted = api.call("POST", "/-/package/foo/access", {"access": "restricted"}, token=alice)
    assert restricted.status_code == 400  # unscoped


def test_auth_only_still_guards_tokens_and_password(api: Api, alice: str) -> None:
    totp, _ = enable(api, alice, "auth-only")
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
