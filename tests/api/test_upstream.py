"""The read-through cache's answers that need no upstream to answer, on both backends."""

from __future__ import annotations

import pytest

from chalicelib import wiring
from tests.api.conftest import Api, body_of
from tests.builders import a_publish_body
from tests.e2e.harness import free_port


@pytest.fixture
def down(any_api: Api, monkeypatch: pytest.MonkeyPatch) -> Api:
    """Every name routed to an upstream that does not answer (a closed port here)."""
    gone = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("TARBOX_UPSTREAMS", f"*={gone},@corp={gone}")
    monkeypatch.setenv("TARBOX_UPSTREAM_TOKENS", "@corp=s3cret")
    wiring.reset()
    wiring.registry()  # built now, from this environment (see tests/api/conftest.py)
    return any_api


def test_a_name_never_fetched_answers_502_while_the_upstream_is_down(down: Api) -> None:
    answer = down.call("GET", "/lodash")
    assert answer.status_code == 502 and "lodash" in body_of(answer)["error"]
    assert down.call("GET", "/lodash/-/lodash-4.17.21.tgz").status_code == 502


def test_a_private_upstreams_packages_are_for_logged_in_users_only(down: Api) -> None:
    assert down.call("GET", "/@corp%2ftool").status_code == 401
    assert down.call("GET", "/@corp%2ftool/latest").status_code == 401
    bob = down.add_user("bob")
    assert down.call("GET", "/@corp%2ftool", token=bob).status_code == 502  # then it is asked


def test_a_package_here_is_answered_without_asking(down: Api, alice: str) -> None:
    assert down.call("PUT", "/mine", a_publish_body("mine"), token=alice).status_code == 201
    assert down.call("GET", "/mine").status_code == 200
    # alice's own scope is held here: never fetched, whatever the routes say.
    assert down.call("GET", "/@alice%2fnothing").status_code == 404
