"""Accounts: couch adduser/login, the 409 retry path, whoami, logout, web login fallback."""

from __future__ import annotations

from tests.api.conftest import Api, basic, body_of

USER = "/-/user/org.couchdb.user:alice"


def test_adduser_creates_the_account_and_answers_a_token(api: Api) -> None:
    response = api.call("PUT", USER, {"name": "alice", "password": "pw-123456", "email": "a@x.io"})
    assert response.status_code == 201
    token = body_of(response)["token"]
    assert body_of(api.call("GET", "/-/whoami", token=token)) == {"username": "alice"}
    assert body_of(api.call("GET", USER)) | {"name": "alice", "email": "a@x.io"} == body_of(
        api.call("GET", USER)
    )


def test_login_with_the_right_password_answers_201_and_a_new_token(api: Api, alice: str) -> None:
    response = api.call("PUT", USER, {"name": "alice", "password": "correct horse"})
    assert response.status_code == 201
    assert body_of(response)["token"] != alice


def test_login_with_a_wrong_password_is_401(api: Api, alice: str) -> None:
    response = api.call("PUT", USER, {"name": "alice", "password": "wrong"})
    assert response.status_code == 401
    assert "Incorrect username or password" in body_of(response)["error"]


def test_adduser_of_a_taken_name_answers_409_and_the_basic_retry_logs_in(
    api: Api, alice: str
) -> None:
    # npm-profile loginCouch: 409 -> GET ?write=true -> PUT …/-rev/<_rev> with Basic auth
    taken = api.call("PUT", USER, {"name": "alice", "password": "nope", "email": "x@y.io"})
    assert taken.status_code == 409
    doc = body_of(api.call("GET", USER + "?write=true"))
    assert doc["_rev"] and doc["name"] == "alice"
    retry = api.call(
        "PUT",
        f"{USER}/-rev/{doc['_rev']}",
        {"name": "alice", "password": "correct horse"},
        headers={"authorization": basic("alice", "correct horse")},
    )
    assert retry.status_code == 201 and body_of(retry)["token"]
    refused = api.call(
        "PUT", f"{USER}/-rev/1-0", {}, headers={"authorization": basic("alice", "nope")}
    )
    assert refused.status_code == 401


def test_login_of_an_unknown_user_answers_as_a_wrong_password(api: Api) -> None:
    # npm would print "There is no user with the username" for a 400: that tells strangers who
    # has an account.
    response = api.call(
        "PUT", "/-/user/org.couchdb.user:nobody", {"name": "nobody", "password": "x"}
    )
    assert response.status_code == 401
    assert body_of(response)["error"] == "Incorrect username or password"


def test_unknown_user_profile_is_404(api: Api) -> None:
    assert api.call("GET", "/-/user/org.couchdb.user:nobody").status_code == 404


def test_invalid_user_names_and_emails_are_refused(api: Api) -> None:
    for name, email in [("Alice", "a@x.io"), ("_alice", "a@x.io"), ("bob", "not-an-email")]:
        body = {"name": name, "password": "pw", "email": email}
        response = api.call("PUT", f"/-/user/org.couchdb.user:{name}", body)
        assert response.status_code == 400, name


def test_whoami_needs_valid_credentials(api: Api, alice: str) -> None:
    assert api.call("GET", "/-/whoami").status_code == 401
    bad = api.call("GET", "/-/whoami", token="tbx_not-a-token")
    assert bad.status_code == 401 and "Bearer" in bad.headers["WWW-Authenticate"]
    ok = api.call("GET", "/-/whoami", headers={"authorization": basic("alice", "correct horse")})
    assert body_of(ok) == {"username": "alice"}
    wrong = api.call("GET", "/-/whoami", headers={"authorization": basic("alice", "nope")})
    assert wrong.status_code == 401


def test_logout_revokes_the_token_at_once(api: Api, alice: str) -> None:
    assert api.call("DELETE", f"/-/user/token/{alice}", token=alice).status_code == 200
    assert api.call("GET", "/-/whoami", token=alice).status_code == 401


def test_failed_logins_are_rate_limited_per_account(api: Api, alice: str) -> None:
    for _ in range(10):
        assert api.call("PUT", USER, {"name": "alice", "password": "guess"}).status_code == 401
    # now even the right password waits: guessing costs the whole window
    limited = api.call("PUT", USER, {"name": "alice", "password": "correct horse"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert "Too many failed logins" in body_of(limited)["error"]
    # the account's tokens still work; only password checks wait
    assert api.call("GET", "/-/whoami", token=alice).status_code == 200


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


def test_a_scope_taken_by_a_publisher_makes_that_user_name_unavailable(api: Api) -> None:
    bob = api.add_user("bob")
    assert api.publish("@carol/x", token=bob).status_code == 201
    body = {"name": "carol", "password": "pw", "email": "c@x.io"}
    response = api.call("PUT", "/-/user/org.couchdb.user:carol", body)
    assert response.status_code == 400 and "unavailable" in body_of(response)["error"]
