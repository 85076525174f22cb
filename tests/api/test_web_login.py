"""npm 11's web login routes: start, the page, the poll (202 + Retry-After, then a token once)."""

from __future__ import annotations

from urllib.parse import urlencode

from tests.api.conftest import Api, body_of

FORM = {"content-type": "application/x-www-form-urlencoded"}


def start(api: Api, create: bool = False) -> tuple[str, str]:
    response = api.call("POST", "/-/v1/login", {"create": True} if create else {})
    urls = body_of(response)
    assert response.status_code == 200
    assert urls["loginUrl"].startswith("https://registry.example/-/v1/login/page/")
    assert urls["doneUrl"].startswith("https://registry.example/-/v1/done/")
    base = "https://registry.example"
    return urls["loginUrl"].removeprefix(base), urls["doneUrl"].removeprefix(base)


def test_sign_in_then_the_token_is_handed_over_once(api: Api, alice: str) -> None:
    page, done = start(api)
    waiting = api.call("GET", done)
    assert waiting.status_code == 202 and body_of(waiting) == {}
    assert int(waiting.headers["Retry-After"]) > 0
    html = api.call("GET", page)
    assert html.status_code == 200 and b"<form" in html.body
    assert html.headers["Content-Type"].startswith("text/html")

    wrong = api.call(
        "POST", page, urlencode({"username": "alice", "password": "x"}).encode(), headers=FORM
    )
    assert wrong.status_code == 401 and b"Incorrect" in wrong.body
    right = urlencode({"username": "alice", "password": "correct horse"}).encode()
    assert api.call("POST", page, right, headers=FORM).status_code == 200

    token = body_of(api.call("GET", done))["token"]
    assert body_of(api.call("GET", "/-/whoami", token=token)) == {"username": "alice"}
    assert api.call("GET", done).status_code == 404  # exactly once
    assert api.call("GET", page).status_code == 404


def test_adduser_creates_the_account(api: Api) -> None:
    page, done = start(api, create=True)
    assert b'name="email"' in api.call("GET", page).body
    fields = {"username": "newbie", "email": "n@x.io", "password": "pw-pw-pw"}
    assert api.call("POST", page, urlencode(fields).encode(), headers=FORM).status_code == 200
    token = body_of(api.call("GET", done))["token"]
    assert body_of(api.call("GET", "/-/whoami", token=token)) == {"username": "newbie"}


def test_unknown_sessions_are_404(api: Api) -> None:
    assert api.call("GET", "/-/v1/done/nope").status_code == 404
    assert api.call("GET", "/-/v1/login/page/nope").status_code == 404


def test_the_page_does_not_tell_who_has_an_account(api: Api, alice: str) -> None:
    page, _ = start(api)
    unknown = urlencode({"username": "nobody", "password": "x"}).encode()
    wrong = urlencode({"username": "alice", "password": "x"}).encode()
    first = api.call("POST", page, unknown, headers=FORM)
    second = api.call("POST", page, wrong, headers=FORM)
    assert first.status_code == second.status_code == 401
    assert (
        b"Incorrect username or password" in first.body
        and b"Incorrect username or password" in second.body
    )
