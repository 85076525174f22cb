"""npm hooks on both backends: the hooks API as libnpmhook calls it, and deliveries from the
change log (dispatched, signed, retried, logged), none to a hook whose owner may not read the
package. The worker thread and real HTTP endpoints are tests/e2e/test_npm_hooks.py."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import replace
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.errors import InvalidPayloadError
from chalicelib.hooks import deliver
from chalicelib.hooks.deliver import deliver_due
from chalicelib.hooks.dispatch import dispatch
from chalicelib.hooks.endpoints import check_endpoint
from tests.api.conftest import Api, body_of, subscribe
from tests.api.helpers import enable, otp
from tests.builders import a_publish_body

BASE = "https://registry.example"


def hook_call(
    api: Api, method: str, path: str, body: Any = None, token: str | None = None, status: int = 200
) -> Any:
    answer = api.call(method, f"/-/npm/v1/hooks{path}", body, token=token)
    assert answer.status_code == status, answer.body
    return body_of(answer)


def add(
    api: Api,
    token: str,
    name: str,
    kind: str = "package",
    endpoint: str = "https://hooks.example/in",
) -> Any:
    body = {"type": kind, "name": name, "endpoint": endpoint, "secret": "s3cret"}
    return hook_call(api, "POST", "/hook", body, token, status=201)


class Endpoint:
    """What `deliver_due` sends to: records each POST; answers each event's statuses in turn
    (deliveries go out a few at once, in no set order), then 200."""

    def __init__(self, **statuses: list[int]) -> None:
        self.statuses = statuses  # "publish" -> [500, …] for package:publish
        self.sent: list[tuple[str, bytes, dict[str, str]]] = []
        self.lock = threading.Lock()

    def __call__(
        self, url: str, body: bytes, headers: dict[str, str], address: str | None = None
    ) -> int:
        event = json.loads(body)["event"].split(":", 1)[1]
        with self.lock:
            self.sent.append((url, body, headers))
            waiting = self.statuses.get(event.replace("-", "_"), [])
            return waiting.pop(0) if waiting else 200

    def events(self) -> list[Any]:
        return sorted((json.loads(b) for _, b, _ in self.sent), key=lambda e: e["event"])


def run(api: Api, endpoint: Endpoint) -> None:
    registry = wiring.registry()
    while dispatch(registry, BASE):
        pass
    deliver_due(registry.hooks, registry.settings, endpoint)


def test_the_hooks_api(any_api: Api, alice: str) -> None:
    bob = any_api.add_user("bob")
    any_api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    made = add(any_api, alice, "foo")
    assert {k: made[k] for k in ("username", "name", "type", "endpoint", "status")} == {
        "username": "alice",
        "name": "foo",
        "type": "package",
        "endpoint": "https://hooks.example/in",
        "status": "active",
    }
    assert "secret" not in made and made["delivered"] is False
    scope = add(any_api, alice, "@alice", "scope")
    assert scope["name"] == "alice"
    owner = add(any_api, alice, "bob", "owner")
    listed = hook_call(any_api, "GET", "", token=alice)
    # Oldest first; hooks made in the same millisecond by their ids (the stores' order).
    added = sorted([made, scope, owner], key=lambda hook: (hook["created"], hook["id"]))
    assert [h["id"] for h in listed["objects"]] == [hook["id"] for hook in added]
    assert [h["id"] for h in hook_call(any_api, "GET", "?package=foo", token=alice)["objects"]] == [
        made["id"]
    ]
    assert hook_call(any_api, "GET", f"/hook/{made['id']}", token=alice)["id"] == made["id"]
    moved = hook_call(
        any_api,
        "PUT",
        f"/hook/{made['id']}",
        {"endpoint": "https://x.example/", "secret": "n"},
        alice,
    )
    assert moved["endpoint"] == "https://x.example/"

    # someone else's hook is missing for bob, and so is everything without a login
    for method, path in [("GET", f"/hook/{made['id']}"), ("DELETE", f"/hook/{made['id']}")]:
        assert hook_call(any_api, method, path, token=bob, status=404)["error"].startswith(
            "no hook"
        )
    assert hook_call(any_api, "GET", "", token=bob)["objects"] == []
    hook_call(any_api, "GET", "", status=401)

    removed = hook_call(any_api, "DELETE", f"/hook/{made['id']}", token=alice)
    assert removed["deleted"] is True
    hook_call(any_api, "GET", f"/hook/{made['id']}", token=alice, status=404)


def test_bad_hooks_are_refused(any_api: Api, alice: str) -> None:
    subscribe(any_api, "alice")
    any_api.call(
        "PUT", "/@alice%2fsecret", a_publish_body("@alice/secret", access="restricted"), token=alice
    )
    bob = any_api.add_user("bob")
    for body, status, words in [
        (
            {"type": "repo", "name": "x", "endpoint": "https://e/", "secret": "s"},
            400,
            "type must be",
        ),
        (
            {"type": "package", "name": "x", "endpoint": "ftp://e/", "secret": "s"},
            400,
            "http(s) URL",
        ),
        ({"type": "package", "name": "x", "endpoint": "https://e/"}, 400, "missing secret"),
        (
            {"type": "owner", "name": "nobody", "endpoint": "https://e/", "secret": "s"},
            400,
            "no user",
        ),
        (
            {"type": "package", "name": "absent", "endpoint": "https://e/", "secret": "s"},
            404,
            "not in this registry",
        ),
    ]:
        assert words in hook_call(any_api, "POST", "/hook", body, alice, status=status)["error"]
    hidden = {"type": "package", "name": "@alice/secret", "endpoint": "https://e/", "secret": "s"}
    missing = {**hidden, "name": "@alice/absent"}
    refused = hook_call(any_api, "POST", "/hook", hidden, bob, status=404)
    assert refused["error"] == hook_call(any_api, "POST", "/hook", missing, bob, status=404)[
        "error"
    ].replace("absent", "secret")


def test_deliveries_are_signed_retried_and_logged(
    any_api: Api, alice: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    any_api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    made = add(any_api, alice, "foo")
    any_api.call("PUT", "/foo", a_publish_body("foo", "1.1.0"), token=alice)
    any_api.call("PUT", "/-/package/foo/dist-tags/beta", "1.0.0", token=alice)

    endpoint = Endpoint(publish=[500])
    run(any_api, endpoint)
    assert len(endpoint.sent) == 2  # publish of 1.1.0 (failed) and the dist-tag
    for url, body, headers in endpoint.sent:
        assert url == "https://hooks.example/in"
        signed = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        assert headers["x-npm-signature"] == f"sha256={signed}"
    tagged, sent_publish = endpoint.events()
    assert (tagged["event"], sent_publish["event"]) == ("package:dist-tag", "package:publish")
    sent = [sent_publish, tagged]
    assert sent[0]["change"] == {"version": "1.1.0", "dist-tag": "latest"}
    assert sent[1]["change"] == {"dist-tag": "beta", "version": "1.0.0"}
    assert sent[0]["hookOwner"] == {"username": "alice"} and sent[0]["type"] == "package"
    assert sent[0]["payload"]["dist-tags"]["latest"] == "1.1.0"

    # the failed one waits out its backoff, then goes again
    run(any_api, endpoint)
    assert len(endpoint.sent) == 2
    registry = wiring.registry()
    for pending in registry.hooks.due_deliveries(float("inf"), 10):
        registry.hooks.update_delivery(
            replace(pending, next_attempt=0, version=pending.version + 1)
        )
    run(any_api, endpoint)
    assert len(endpoint.sent) == 3
    log = hook_call(any_api, "GET", f"/hook/{made['id']}/deliveries", token=alice)["objects"]
    assert {d["event"]: [a["status"] for a in d["log"]] for d in log} == {
        "package:publish": [500, 200],
        "package:dist-tag": [200],
    }
    assert hook_call(any_api, "GET", f"/hook/{made['id']}", token=alice)["delivered"] is True

    # a delivery that keeps failing is given up after MAX_ATTEMPTS
    monkeypatch.setattr(deliver, "MAX_ATTEMPTS", 2)
    any_api.call("PUT", "/foo", a_publish_body("foo", "1.2.0"), token=alice)
    failing = Endpoint(publish=[503, 503, 503])
    for _ in range(3):
        run(any_api, failing)
        for pending in registry.hooks.due_deliveries(float("inf"), 10):
            registry.hooks.update_delivery(
                replace(pending, next_attempt=0, version=pending.version + 1)
            )
    assert len(failing.sent) == 2
    newest = hook_call(any_api, "GET", f"/hook/{made['id']}/deliveries", token=alice)["objects"][0]
    assert newest["status"] == "failed" and newest["attempts"] == 2


def test_private_events_reach_only_readers(any_api: Api, alice: str) -> None:
    bob = any_api.add_user("bob")
    subscribe(any_api, "alice")
    mine = add(any_api, alice, "@alice", "scope")
    theirs = add(any_api, bob, "alice", "owner")  # bob follows what alice maintains
    any_api.call(
        "PUT", "/@alice%2fsecret", a_publish_body("@alice/secret", access="restricted"), token=alice
    )
    any_api.call(
        "PUT", "/@alice%2fopen", a_publish_body("@alice/open", access="public"), token=alice
    )
    endpoint = Endpoint()
    run(any_api, endpoint)
    heard = sorted(
        (json.loads(b)["hookOwner"]["username"], json.loads(b)["name"]) for _, b, _ in endpoint.sent
    )
    assert heard == [("alice", "@alice/open"), ("alice", "@alice/secret"), ("bob", "@alice/open")]
    assert (
        len(hook_call(any_api, "GET", f"/hook/{theirs['id']}/deliveries", token=bob)["objects"])
        == 1
    )
    assert (
        len(hook_call(any_api, "GET", f"/hook/{mine['id']}/deliveries", token=alice)["objects"])
        == 2
    )


def test_what_a_package_did_while_private_stays_private_once_it_is_public(
    any_api: Api, alice: str
) -> None:
    """The dispatcher may lag behind the log: by the time it reads a change made while the
    package was private, the package may be public. Those changes are judged as private."""
    bob = any_api.add_user("bob")
    subscribe(any_api, "alice")
    add(any_api, alice, "@alice", "scope")
    add(any_api, bob, "alice", "owner")
    secret = a_publish_body("@alice/secret", "1.0.0-rc.1", access="restricted")
    any_api.call("PUT", "/@alice%2fsecret", secret, token=alice)
    opened = {"access": "public"}
    answer = any_api.call("POST", "/-/package/@alice%2fsecret/access", opened, token=alice)
    assert answer.status_code == 200, answer.body
    endpoint = Endpoint()
    run(any_api, endpoint)  # only now: both changes are read with the package public
    heard = sorted(
        (json.loads(b)["hookOwner"]["username"], json.loads(b)["event"])
        for _, b, _ in endpoint.sent
    )
    assert heard == [
        ("alice", "package:change"),
        ("alice", "package:publish"),
        ("bob", "package:change"),  # it went public: bob may hear that, not what came before
    ]


def test_hooks_on_aws_reach_only_public_hosts(any_api: Api, alice: str) -> None:
    """TARBOX_HOOK_PRIVATE_ENDPOINTS=off (the default on AWS): no endpoint on loopback, private
    or link-local addresses (the instance metadata service), when a hook is made or sent."""
    registry = wiring.registry()
    closed = replace(registry, settings=replace(registry.settings, hook_private_endpoints=False))
    for endpoint in (
        "http://127.0.0.1:8080/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/",
        "http://[::1]/",
        "https://192.168.1.1/",
    ):
        with pytest.raises(InvalidPayloadError, match="private or reserved address"):
            check_endpoint(endpoint, allow_private=False)
    check_endpoint("https://93.184.215.14/hook", allow_private=False)  # a public address

    # a hook made while they were allowed is refused at send time once they are not
    any_api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    add(any_api, alice, "foo", endpoint="http://127.0.0.1:9/in")
    any_api.call("PUT", "/foo", a_publish_body("foo", "1.1.0"), token=alice)
    endpoint = Endpoint()
    while dispatch(closed, BASE):
        pass
    deliver_due(closed.hooks, closed.settings, endpoint)
    assert endpoint.sent == []
    (refused,) = closed.hooks.due_deliveries(float("inf"), 10) or [
        d for d in registry.hooks.deliveries_of(registry.hooks.hooks_of("alice")[0].id, 1)
    ]
    assert "private or reserved address" in refused.log[-1]["error"]


def test_granular_tokens_cannot_use_hooks(any_api: Api, alice: str) -> None:
    answer = any_api.call(
        "POST", "/-/npm/v1/tokens", {"password": "correct horse", "packages": ["foo"]}, token=alice
    )
    assert answer.status_code in (200, 201), answer.body
    granular = body_of(answer)["token"]
    for method, path, body in [
        ("GET", "", None),
        (
            "POST",
            "/hook",
            {"type": "owner", "name": "alice", "endpoint": "https://e/", "secret": "s"},
        ),
    ]:
        refused = hook_call(any_api, method, path, body, granular, status=403)
        assert "granular token cannot use hooks" in refused["error"]


def test_a_huge_package_is_sent_as_a_summary(any_api: Api, alice: str) -> None:
    from chalicelib.hooks.dispatch import MAX_PAYLOAD, payload
    from chalicelib.storage.records import HookRecord

    hook = HookRecord("h", "alice", "package", "big", "https://e/", "s", "t", "t")
    versions = {f"1.0.{i}": {"version": f"1.0.{i}", "readme": "x" * 1000} for i in range(400)}
    document = {
        "_id": "big",
        "name": "big",
        "dist-tags": {"latest": "1.0.399"},
        "versions": versions,
    }
    event = {"event": "package:publish", "change": {"version": "1.0.399"}}
    body = payload(hook, event, "big", document)
    assert len(body) <= MAX_PAYLOAD
    sent = json.loads(body)["payload"]
    assert sent["dist-tags"] == {"latest": "1.0.399"}
    assert list(sent["versions"]) == ["1.0.399"]


def test_hooks_under_auth_and_writes_need_a_one_time_password(any_api: Api, alice: str) -> None:
    any_api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    totp, _ = enable(any_api, alice)
    hook = {"type": "package", "name": "foo", "endpoint": "https://hooks.example/in", "secret": "s"}
    refused = any_api.call("POST", "/-/npm/v1/hooks/hook", hook, token=alice)
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "OTP"
    made = any_api.call("POST", "/-/npm/v1/hooks/hook", hook, token=alice, headers=otp(totp.now()))
    assert made.status_code == 201, made.body
    path = f"/-/npm/v1/hooks/hook/{body_of(made)['id']}"
    assert any_api.call("DELETE", path, token=alice).status_code == 401
    assert any_api.call("GET", path, token=alice).status_code == 200  # reading needs no code
