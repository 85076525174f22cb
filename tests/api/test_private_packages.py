"""Private (restricted) packages through the HTTP API, on both backends: a plan opens them, only
readers see them anywhere, and a lapsed plan stops private publishing but never exposes or
deletes anything."""

from __future__ import annotations

import time

from tests import stripe_events
from tests.api.conftest import Api, body_of, deliver, subscribe
from tests.builders import a_publish_body

DAY = 86_400


def private(name: str, version: str = "1.0.0") -> dict[str, object]:
    return a_publish_body(name, version, access="restricted")


def test_private_publishing_needs_a_plan(any_api: Api, alice: str) -> None:
    refused = any_api.call("PUT", "/@alice%2fsecret", private("@alice/secret"), token=alice)
    assert refused.status_code == 402
    assert body_of(refused)["error"] == "You must sign up for private packages"
    # npm's default for a scoped package (access null) is private too
    default = any_api.call(
        "PUT", "/@alice%2fx", a_publish_body("@alice/x", access=None), token=alice
    )
    assert default.status_code == 402
    subscribe(any_api, "alice")
    published = any_api.call("PUT", "/@alice%2fsecret", private("@alice/secret"), token=alice)
    assert published.status_code == 201
    assert body_of(any_api.call("GET", "/-/package/@alice%2fsecret/visibility", token=alice)) == {
        "public": False
    }


def test_a_private_package_is_hidden_from_everyone_without_access(any_api: Api, alice: str) -> None:
    subscribe(any_api, "alice")
    any_api.call("PUT", "/@alice%2fsecret", private("@alice/secret"), token=alice)
    bob = any_api.add_user("bob")
    any_api.call("PUT", "/bob-lib", a_publish_body("bob-lib"), token=bob)
    paths = [
        "/@alice%2fsecret",
        "/@alice/secret",
        "/@alice%2fsecret/1.0.0",
        "/@alice/secret/latest",
        "/@alice/secret/-/secret-1.0.0.tgz",
        "/-/package/@alice%2fsecret/dist-tags",
        "/-/package/@alice%2fsecret/visibility",
        "/-/package/@alice%2fsecret/collaborators",
    ]
    for path in paths:
        for token in (None, bob):
            hidden = any_api.call("GET", path, token=token)
            ghost = any_api.call("GET", path.replace("secret", "absent"), token=token)
            assert hidden.status_code == 404, (path, token)
            # exactly what a name that does not exist answers
            assert hidden.body.replace(b"secret", b"absent") == ghost.body, path
        assert any_api.call("GET", path, token=alice).status_code in (200, 302), path
    assert any_api.call("GET", "/@alice%2fsecret", token="not-a-token").status_code == 401


def test_private_responses_are_never_shared_cache_material(any_api: Api, alice: str) -> None:
    subscribe(any_api, "alice")
    any_api.call("PUT", "/@alice%2fsecret", private("@alice/secret"), token=alice)
    any_api.call("PUT", "/@alice%2fopen", a_publish_body("@alice/open"), token=alice)
    doc = any_api.call("GET", "/@alice%2fsecret", token=alice)
    assert doc.headers["Cache-Control"] == "private, max-age=0, must-revalidate"
    assert "Authorization" in doc.headers["Vary"]
    revalidated = any_api.call(
        "GET", "/@alice%2fsecret", token=alice, headers={"if-none-match": doc.headers["ETag"]}
    )
    assert revalidated.status_code == 304
    assert revalidated.headers["Cache-Control"].startswith("private")
    version = any_api.call("GET", "/@alice%2fsecret/1.0.0", token=alice)
    assert version.headers["Cache-Control"].startswith("private")
    tarball = any_api.call("GET", "/@alice/secret/-/secret-1.0.0.tgz", token=alice)
    if tarball.status_code == 302:  # AWS: a short-lived signed URL that nothing may store
        assert tarball.headers["Cache-Control"] == "no-store"
        assert (
            "Expires=" in tarball.headers["Location"]
            or "X-Amz-Expires" in tarball.headers["Location"]
        )
    else:
        assert tarball.headers["Cache-Control"].startswith("private")
        assert tarball.headers["Vary"] == "Authorization"
    public = any_api.call("GET", "/@alice%2fopen")
    assert public.headers["Cache-Control"].startswith("public")


def test_switching_to_private_needs_the_plan_and_public_never_does(
    any_api: Api, alice: str
) -> None:
    any_api.call("PUT", "/@alice%2flib", a_publish_body("@alice/lib"), token=alice)
    to_private = any_api.call(
        "POST", "/-/package/@alice%2flib/access", {"access": "restricted"}, token=alice
    )
    assert to_private.status_code == 402
    subscribe(any_api, "alice")
    for access, anonymous_sees in [("restricted", 404), ("public", 200)]:
        path, body = "/-/package/@alice%2flib/access", {"access": access}
        assert any_api.call("POST", path, body, token=alice).status_code == 200
        assert any_api.call("GET", "/@alice%2flib").status_code == anonymous_sees
    unscoped = any_api.call(
        "PUT", "/plain", a_publish_body("plain", access="restricted"), token=alice
    )
    assert unscoped.status_code == 400


def test_a_past_due_plan_keeps_publishing_open_for_the_grace_period_with_a_notice(
    any_api: Api, alice: str
) -> None:
    subscribe(any_api, "alice")
    any_api.call("PUT", "/@alice%2fsecret", private("@alice/secret"), token=alice)
    invoice = stripe_events.invoice("sub_alice", "cus_alice")
    assert deliver(any_api, "invoice.payment_failed", invoice).status_code == 200

    published = any_api.call(
        "PUT", "/@alice%2fsecret", private("@alice/secret", "1.1.0"), token=alice
    )
    assert published.status_code == 201
    assert "past due" in published.headers["npm-notice"]
    read = any_api.call("GET", "/@alice%2fsecret", token=alice)
    assert read.status_code == 200 and "past due" in read.headers["npm-notice"]
    # npm prints notices only from responses it does not store
    assert read.headers["Cache-Control"] == "private, no-store"
    # nobody else is told anything
    assert "npm-notice" not in any_api.call("GET", "/@alice%2fsecret").headers


def test_a_lapsed_plan_stops_private_publishing_and_keeps_everything(
    any_api: Api, alice: str
) -> None:
    now = int(time.time())
    subscribe(any_api, "alice", created=now - 40 * DAY)
    any_api.call("PUT", "/@alice%2fsecret", private("@alice/secret"), token=alice)
    any_api.call("PUT", "/@alice%2fopen", a_publish_body("@alice/open"), token=alice)
    # the first failed payment was more than the grace period (7 days) ago
    failed = stripe_events.invoice("sub_alice", "cus_alice")
    long_ago = now - 8 * DAY
    assert deliver(any_api, "invoice.payment_failed", failed, created=long_ago).status_code == 200

    for body, path in [
        (private("@alice/secret", "1.1.0"), "/@alice%2fsecret"),
        (private("@alice/new"), "/@alice%2fnew"),
    ]:
        refused = any_api.call("PUT", path, body, token=alice)
        assert refused.status_code == 402
        assert "lapsed" in body_of(refused)["error"]
    switch = any_api.call(
        "POST", "/-/package/@alice%2fopen/access", {"access": "restricted"}, token=alice
    )
    assert switch.status_code == 402
    # still private, still installable by its members, with a notice; public stays possible
    read = any_api.call("GET", "/@alice%2fsecret", token=alice)
    assert read.status_code == 200 and "lapsed" in read.headers["npm-notice"]
    assert any_api.call("GET", "/@alice/secret/-/secret-1.0.0.tgz", token=alice).status_code in (
        200,
        302,
    )
    assert any_api.call("GET", "/@alice%2fsecret").status_code == 404
    public = any_api.call(
        "PUT", "/@alice%2fopen", a_publish_body("@alice/open", "1.1.0"), token=alice
    )
    assert public.status_code == 201

    # canceled is the same; a new plan opens publishing again
    cancel = stripe_events.subscription("sub_alice", "cus_alice", "canceled")
    deliver(any_api, "customer.subscription.deleted", cancel)
    assert (
        any_api.call("PUT", "/@alice%2fnew", private("@alice/new"), token=alice).status_code == 402
    )
    renewed = stripe_events.checkout_completed("alice", "sub_alice2", "cus_alice")
    deliver(any_api, "checkout.session.completed", renewed)
    assert (
        any_api.call("PUT", "/@alice%2fnew", private("@alice/new"), token=alice).status_code == 201
    )


def test_org_packages_need_the_orgs_plan_not_the_publishers(any_api: Api, alice: str) -> None:
    subscribe(any_api, "alice")  # alice pays for her own scope only
    any_api.call("PUT", "/@acme%2fpub", a_publish_body("@acme/pub"), token=alice)  # claims @acme
    assert (
        any_api.call("PUT", "/@acme%2fsecret", private("@acme/secret"), token=alice).status_code
        == 402
    )
    subscribe(any_api, "acme")
    assert (
        any_api.call("PUT", "/@acme%2fsecret", private("@acme/secret"), token=alice).status_code
        == 201
    )


def test_lists_show_only_what_the_caller_may_read(any_api: Api, alice: str) -> None:
    any_api.call("PUT", "/@acme%2fpub", a_publish_body("@acme/pub"), token=alice)
    subscribe(any_api, "acme")
    any_api.call("PUT", "/@acme%2fsecret", private("@acme/secret"), token=alice)
    any_api.call("PUT", "/mine", a_publish_body("mine"), token=alice)
    bob = any_api.add_user("bob")
    for name, path in [("@acme/pub", "/@acme%2fpub"), ("@acme/secret", "/@acme%2fsecret")]:
        rev = body_of(any_api.call("GET", path + "?write=true", token=alice))["_rev"]
        star = {"_id": name, "_rev": rev, "users": {"bob": True}}
        expected = 201 if name == "@acme/pub" else 404
        assert any_api.call("PUT", path, star, token=bob).status_code == expected
    # alice stars the private one, which only she may see in her list
    rev = body_of(any_api.call("GET", "/@acme%2fsecret?write=true", token=alice))["_rev"]
    star = {"_id": "@acme/secret", "_rev": rev, "users": {"alice": True}}
    assert any_api.call("PUT", "/@acme%2fsecret", star, token=alice).status_code == 201

    owner_view = {"@acme/pub": "write", "@acme/secret": "write"}
    assert body_of(any_api.call("GET", "/-/org/acme/package", token=alice)) == owner_view
    # each with the caller's own access: bob and anonymous callers only read the public one
    assert body_of(any_api.call("GET", "/-/org/acme/package", token=bob)) == {"@acme/pub": "read"}
    assert body_of(any_api.call("GET", "/-/org/acme/package")) == {"@acme/pub": "read"}
    assert any_api.call("GET", "/-/org/nobody/package").status_code == 404
    mine = {"@acme/pub": "write", "@acme/secret": "write", "mine": "write"}
    assert body_of(any_api.call("GET", "/-/user/alice/package", token=alice)) == mine
    assert body_of(any_api.call("GET", "/-/user/alice/package", token=bob)) == {
        "@acme/pub": "write",
        "mine": "write",
    }
    stars = any_api.call("GET", '/-/_view/starredByUser?key="bob"')
    assert [row["value"] for row in body_of(stars)["rows"]] == ["@acme/pub"]
    hers = '/-/_view/starredByUser?key="alice"'
    assert body_of(any_api.call("GET", hers))["rows"] == []
    assert [r["value"] for r in body_of(any_api.call("GET", hers, token=alice))["rows"]] == [
        "@acme/secret"
    ]


def test_token_limits_answer_alike_for_hidden_and_missing_packages(
    any_api: Api, alice: str
) -> None:
    subscribe(any_api, "alice")
    any_api.call("PUT", "/@alice%2fsecret", private("@alice/secret"), token=alice)
    bob = any_api.add_user("bob")
    made = [
        {"password": "correct horse", "readonly": True},
        {
            "password": "correct horse",
            "packages": ["bob-lib"],
            "packages_and_scopes_permission": "read-write",
        },
    ]
    for body in made:
        token = body_of(any_api.call("POST", "/-/npm/v1/tokens", body, token=bob))["token"]
        for path in [
            "/@alice/secret/-/secret-1.0.0.tgz/-rev/1-0",
            "/-/package/@alice%2fsecret/dist-tags/beta",
        ]:
            hidden = any_api.call("DELETE", path, token=token)
            ghost = any_api.call("DELETE", path.replace("secret", "absent"), token=token)
            assert hidden.status_code == ghost.status_code, path
            assert hidden.body.replace(b"secret", b"absent") == ghost.body, path


def test_an_admin_of_one_org_learns_nothing_about_another_scope(any_api: Api, alice: str) -> None:
    subscribe(any_api, "alice")
    any_api.call("PUT", "/@alice%2fsecret", private("@alice/secret"), token=alice)
    bob = any_api.add_user("bob")
    any_api.call("PUT", "/@bobcorp%2fx", a_publish_body("@bobcorp/x"), token=bob)  # bob's org
    for method in ("PUT", "DELETE"):
        answers = [
            any_api.call(
                method,
                "/-/team/bobcorp/developers/package",
                {"package": name, "permissions": "read-only"},
                token=bob,
            )
            for name in ("@alice/secret", "@alice/absent")
        ]
        assert {a.status_code for a in answers} == {400}
        assert answers[0].body.replace(b"secret", b"absent") == answers[1].body


def test_new_owners_find_the_package_in_their_list(any_api: Api, alice: str) -> None:
    subscribe(any_api, "alice")
    any_api.call("PUT", "/@alice%2fsecret", private("@alice/secret"), token=alice)
    bob = any_api.add_user("bob")
    doc = body_of(any_api.call("GET", "/@alice%2fsecret?write=true", token=alice))
    owners = [*doc["maintainers"], {"name": "bob", "email": "bob@example.com"}]
    body = {"_id": "@alice/secret", "_rev": doc["_rev"], "maintainers": owners}
    assert (
        any_api.call("PUT", f"/@alice%2fsecret/-rev/{doc['_rev']}", body, token=alice).status_code
        == 201
    )
    assert body_of(any_api.call("GET", "/-/user/bob/package", token=bob)) == {
        "@alice/secret": "write"
    }
    doc = body_of(any_api.call("GET", "/@alice%2fsecret?write=true", token=alice))
    body = {"_id": "@alice/secret", "_rev": doc["_rev"], "maintainers": owners[:1]}
    any_api.call("PUT", f"/@alice%2fsecret/-rev/{doc['_rev']}", body, token=alice)
    assert body_of(any_api.call("GET", "/-/user/bob/package", token=bob)) == {}


def test_a_token_limited_to_other_orgs_does_not_see_this_one(any_api: Api, alice: str) -> None:
    any_api.call("PUT", "/@acme%2fpub", a_publish_body("@acme/pub"), token=alice)
    made = {"password": "correct horse", "orgs": ["elsewhere"], "orgs_permission": "read-only"}
    limited = body_of(any_api.call("POST", "/-/npm/v1/tokens", made, token=alice))["token"]
    assert any_api.call("GET", "/-/org/acme/user", token=limited).status_code == 403
    made["orgs"] = ["acme"]
    reaching = body_of(any_api.call("POST", "/-/npm/v1/tokens", made, token=alice))["token"]
    assert any_api.call("GET", "/-/org/acme/user", token=reaching).status_code == 200
    assert any_api.call("PUT", "/-/org/acme/team", {"name": "x"}, token=reaching).status_code == 403


def test_an_unpublish_refusal_names_no_private_dependent(any_api: Api, alice: str) -> None:
    any_api.configure(TARBOX_UNPUBLISH_WINDOW_HOURS="0")  # every version is old at once
    any_api.call("PUT", "/base", a_publish_body("base"), token=alice)
    subscribe(any_api, "alice")
    uses_base = {"dependencies": {"base": "^1.0.0"}}
    hidden = a_publish_body("@alice/secret", access="restricted", manifest=uses_base)
    assert any_api.call("PUT", "/@alice%2fsecret", hidden, token=alice).status_code == 201
    carol = any_api.add_user("carol")
    shown = a_publish_body("carol-app", manifest=uses_base)
    assert any_api.call("PUT", "/carol-app", shown, token=carol).status_code == 201
    rev = body_of(any_api.call("GET", "/base?write=true", token=alice))["_rev"]
    refused = any_api.call("DELETE", f"/base/-rev/{rev}", token=alice)
    assert refused.status_code == 403
    message = body_of(refused)["error"]
    assert "carol-app, others" in message and "secret" not in message
