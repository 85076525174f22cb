"""The tokens API (`/-/npm/v1/tokens`) and how tokens are checked on every request."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib import wiring
from chalicelib.auth.tokens import token_key
from tests.api.conftest import Api, body_of
from tests.api.helpers import TOKENS, USER
from tests.builders import a_publish_body


def create(api: Api, token: str, **body: object) -> dict[str, object]:
    response = api.call("POST", TOKENS, {"password": "correct horse", **body}, token=token)
    assert response.status_code == 200, response.body
    return dict(body_of(response))


def test_list_has_urls_ids_and_redacted_tokens(api: Api, alice: str) -> None:
    created = create(api, alice, name="ci", cidr_whitelist=["192.168.0.0/16"], expires=30)
    listed = body_of(api.call("GET", TOKENS, token=alice))
    assert listed["urls"] == {} and listed["total"] == 2  # the login session and the new one
    entry = next(t for t in listed["objects"] if t["name"] == "ci")
    assert entry["key"] == token_key(str(created["token"]))
    assert str(created["token"]).startswith(entry["token"]) and len(entry["token"]) < 12
    assert entry["cidr_whitelist"] == ["192.168.0.0/16"] and entry["expires"]


def test_legacy_readonly_flag_and_npm11_permission_both_make_read_only(
    api: Api, alice: str
) -> None:
    for body in ({"readonly": True}, {"packages_and_scopes_permission": "read-only"}):
        token = str(create(api, alice, **body)["token"])
        assert body_of(api.call("GET", "/-/whoami", token=token)) == {"username": "alice"}
        publish = api.call("PUT", "/foo", a_publish_body("foo"), token=token)
        assert publish.status_code == 403
        assert (
            api.call("POST", TOKENS, {"password": "correct horse"}, token=token).status_code == 403
        )


def test_wrong_password_is_401_and_bad_fields_400(api: Api, alice: str) -> None:
    assert api.call("POST", TOKENS, {"password": "nope"}, token=alice).status_code == 401
    for bad in (
        {"cidr_whitelist": ["not-a-cidr"]},
        {"expires": 0},
        {"packages": "foo"},
        {"packages_and_scopes_permission": "all"},
    ):
        body = {"password": "correct horse", **bad}
        assert api.call("POST", TOKENS, body, token=alice).status_code == 400, bad


def test_revoke_by_key_or_value_and_only_your_own(api: Api, alice: str) -> None:
    bob = api.add_user("bob")
    first = str(create(api, alice)["token"])
    second = str(create(api, alice)["token"])
    assert api.call("DELETE", f"{TOKENS}/token/{token_key(first)}", token=bob).status_code == 404
    assert api.call("DELETE", f"{TOKENS}/token/{token_key(first)}", token=alice).status_code == 204
    assert api.call("DELETE", f"{TOKENS}/token/{second}", token=alice).status_code == 204
    assert api.call("GET", "/-/whoami", token=first).status_code == 401
    assert api.call("GET", "/-/whoami", token=second).status_code == 401


def test_an_address_outside_the_allow_list_gets_401_ipaddress(api: Api, alice: str) -> None:
    # chalice's test gateway reports every request as coming from 127.0.0.1 (sourceIp)
    far = str(create(api, alice, cidr_whitelist=["10.0.0.0/8"])["token"])
    refused = api.call("GET", "/-/whoami", token=far)
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "ipaddress"
    near = str(create(api, alice, cidr_whitelist=["127.0.0.1/32"])["token"])
    assert api.call("GET", "/-/whoami", token=near).status_code == 200


def test_an_expired_token_is_401(api: Api, alice: str) -> None:
    token = str(create(api, alice, expires=1)["token"])
    accounts = wiring.registry().accounts
    record = accounts.get_token(token_key(token))
    assert record is not None
    accounts.put_token(replace(record, expires="2020-01-01T00:00:00.000Z"))
    assert api.call("GET", "/-/whoami", token=token).status_code == 401


def test_granular_scopes(api: Api, alice: str) -> None:
    token = str(
        create(api, alice, scopes=["@alice"], packages_and_scopes_permission="read-write")["token"]
    )
    assert (
        api.call("PUT", "/@alice%2fok", a_publish_body("@alice/ok"), token=token).status_code == 201
    )
    assert (
        api.call("PUT", "/elsewhere", a_publish_body("elsewhere"), token=token).status_code == 403
    )


def test_only_a_full_token_lists_the_accounts_tokens(api: Api, alice: str) -> None:
    """The list names every token of the account and where it may be used."""
    readonly = str(create(api, alice, readonly=True)["token"])
    limited = str(
        create(api, alice, scopes=["@alice"], packages_and_scopes_permission="read-write")["token"]
    )
    for token in (readonly, limited):
        refused = api.call("GET", TOKENS, token=token)
        assert refused.status_code == 403, refused.body
    assert api.call("GET", TOKENS, token=alice).status_code == 200


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
