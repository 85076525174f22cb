"""npm 11's web login routes: start, the page, the poll (202 + Retry-After, then a token once)."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlencode

import pytest

from chalicelib import wiring
from chalicelib.auth import web_login
from chalicelib.auth.service import check_password
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.auth.web_login import LoginSessionNotFoundError
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


def test_two_submits_of_one_page_make_one_token(
    any_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both used to say "Logged in", and the token of the first was left where nobody collects
    it. Both submits pass the password check together here; one of them gets the login."""
    any_api.add_user("alice")
    page, done = start(any_api)
    login_key = page.rsplit("/", 1)[1]
    registry = wiring.registry()
    together = threading.Barrier(2, timeout=30)

    def checked(*args: Any) -> Any:
        user = check_password(*args)
        together.wait()  # both are past the check before either goes on
        return user

    monkeypatch.setattr(web_login, "check_password", checked)
    outcomes: list[str] = []

    def submit() -> None:
        form = {"username": "alice", "password": "correct horse"}
        throttle = LoginThrottle(registry.ephemeral, "127.0.0.1")
        try:
            web_login.complete(registry.accounts, registry.ephemeral, login_key, form, throttle)
            outcomes.append("logged in")
        except LoginSessionNotFoundError:
            outcomes.append("already used")

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["already used", "logged in"]
    token = body_of(any_api.call("GET", done))["token"]
    sessions = registry.accounts.list_tokens("alice")
    assert len(sessions) == 2  # the one from sign-up and the collected one: nothing orphaned
    assert body_of(any_api.call("GET", "/-/whoami", token=token)) == {"username": "alice"}
