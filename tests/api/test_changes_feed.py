"""The changes feed (`GET /-/_changes`) and the database info (`GET /`), on both backends:
CouchDB's shape, an opaque cursor, each package once at its latest change, and private packages
only for callers who may read them."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, body_of, subscribe
from tests.builders import a_publish_body


def feed(api: Api, query: str = "", token: str | None = None) -> Any:
    answer = api.call("GET", f"/-/_changes{query}", token=token)
    assert answer.status_code == 200, answer.body
    return body_of(answer)


def ids(page: Any) -> list[str]:
    return [result["id"] for result in page["results"]]


def test_an_empty_registry(any_api: Api) -> None:
    assert feed(any_api) == {"results": [], "last_seq": "0"}
    info = body_of(any_api.call("GET", "/"))
    assert info["db_name"] == "registry"
    assert (info["doc_count"], info["doc_del_count"], info["update_seq"]) == (0, 0, "0")


def test_changes_in_couchdb_shape_with_an_opaque_cursor(any_api: Api, alice: str) -> None:
    any_api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    any_api.call("PUT", "/@alice%2fbar", a_publish_body("@alice/bar", access="public"), token=alice)
    page = feed(any_api, "?since=0")
    assert ids(page) == ["foo", "@alice/bar"]
    first = page["results"][0]
    rev = body_of(any_api.call("GET", "/foo?write=true", token=alice))["_rev"]
    assert first["changes"] == [{"rev": rev}]
    assert "deleted" not in first
    assert isinstance(first["seq"], str)
    assert page["last_seq"] == page["results"][-1]["seq"]
    assert body_of(any_api.call("GET", "/"))["update_seq"] == page["last_seq"]
    assert feed(any_api, f"?since={page['last_seq']}")["results"] == []

    # paging: one at a time, each cursor leads on to the next
    one = feed(any_api, "?since=0&limit=1")
    assert ids(one) == ["foo"]
    assert ids(feed(any_api, f"?since={one['last_seq']}&limit=1")) == ["@alice/bar"]


def test_a_package_appears_once_at_its_latest_change(any_api: Api, alice: str) -> None:
    any_api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    any_api.call("PUT", "/bar", a_publish_body("bar"), token=alice)
    any_api.call("PUT", "/foo", a_publish_body("foo", "1.1.0"), token=alice)
    assert ids(feed(any_api)) == ["bar", "foo"]
    now = body_of(any_api.call("GET", "/"))["update_seq"]
    any_api.call("PUT", "/-/package/bar/dist-tags/beta", "1.0.0", token=alice)
    assert ids(feed(any_api, f"?since={now}")) == ["bar"]


def test_since_now_and_a_full_unpublish(any_api: Api, alice: str) -> None:
    any_api.call("PUT", "/gone", a_publish_body("gone"), token=alice)
    start = feed(any_api, "?since=now")
    assert start["results"] == []
    rev = body_of(any_api.call("GET", "/gone?write=true", token=alice))["_rev"]
    assert any_api.call("DELETE", f"/gone/-rev/{rev}", token=alice).status_code == 200
    page = feed(any_api, f"?since={start['last_seq']}")
    assert ids(page) == ["gone"]
    assert page["results"][0]["deleted"] is True
    info = body_of(any_api.call("GET", "/"))
    assert (info["doc_count"], info["doc_del_count"]) == (0, 1)


def test_private_packages_appear_only_to_their_readers(any_api: Api, alice: str) -> None:
    bob = any_api.add_user("bob")
    subscribe(any_api, "alice")
    secret = a_publish_body("@alice/secret", access="restricted")
    assert any_api.call("PUT", "/@alice%2fsecret", secret, token=alice).status_code == 201
    any_api.call("PUT", "/open", a_publish_body("open"), token=alice)

    assert ids(feed(any_api, token=alice)) == ["@alice/secret", "open"]
    for caller in (None, bob):
        page = feed(any_api, token=caller)
        assert ids(page) == ["open"]
        assert page["last_seq"] == feed(any_api, token=alice)["last_seq"]
        assert "secret" not in str(page)

    # made public: it appears to everyone, at that change
    assert (
        any_api.call(
            "POST", "/-/package/@alice%2fsecret/access", {"access": "public"}, token=alice
        ).status_code
        == 200
    )
    assert ids(feed(any_api)) == ["open", "@alice/secret"]


def test_a_page_of_hidden_changes_is_skipped_not_answered_empty(any_api: Api, alice: str) -> None:
    subscribe(any_api, "alice")
    for i in range(3):
        body = a_publish_body(f"@alice/s{i}", access="restricted")
        assert any_api.call("PUT", f"/@alice%2fs{i}", body, token=alice).status_code == 201
    any_api.call("PUT", "/open", a_publish_body("open"), token=alice)
    # three hidden changes, then a visible one: a follower that stops on an empty page must
    # still be given it
    assert ids(feed(any_api, "?limit=1")) == ["open"]


def test_bad_cursors_and_parameters_are_refused(any_api: Api, alice: str) -> None:
    any_api.call("PUT", "/foo", a_publish_body("foo"), token=alice)
    last = feed(any_api)["last_seq"]
    seq, _, epoch = last.partition("-")
    for query, words in [
        ("?since=1", "since must be 0, now, or a last_seq"),
        ("?since=abc", "since must be 0, now, or a last_seq"),
        (f"?since={seq}-ffffffff", "from another change log"),
        (f"?since=99-{epoch}", "from another change log"),
        ("?limit=0", "limit must be"),
        ("?limit=x", "limit must be"),
        ("?feed=continuous", "not supported"),
    ]:
        answer = any_api.call("GET", f"/-/_changes{query}")
        assert answer.status_code == 400, query
        assert words in body_of(answer)["error"], query
