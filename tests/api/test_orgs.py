"""Orgs and teams through libnpmorg's and libnpmteam's routes: npm's roles and their powers."""

from __future__ import annotations

from tests.api.conftest import Api, body_of
from tests.builders import a_publish_body


def an_org(api: Api, owner: str) -> None:
    # claiming an unowned scope by publishing into it makes it an org
    assert api.call("PUT", "/@acme%2fx", a_publish_body("@acme/x"), token=owner).status_code == 201


def test_roles_and_powers(api: Api, alice: str) -> None:
    an_org(api, alice)
    bob, carol = api.add_user("bob"), api.add_user("carol")
    api.add_user("dave")
    added = api.call("PUT", "/-/org/acme/user", {"user": "bob", "role": "admin"}, token=alice)
    assert added.status_code == 201 and body_of(added) == {
        "org": {"name": "acme", "size": 2},
        "user": "bob",
        "role": "admin",
    }
    # only owners manage members and roles (npmjs): admins manage teams; developers nothing
    assert api.call("PUT", "/-/org/acme/user", {"user": "carol"}, token=alice).status_code == 201
    for change in ({"user": "dave"}, {"user": "dave", "role": "owner"}):
        assert api.call("PUT", "/-/org/acme/user", change, token=bob).status_code == 403
        assert api.call("PUT", "/-/org/acme/user", change, token=carol).status_code == 403
    assert (
        api.call(
            "PUT", "/-/org/acme/user", {"user": "carol", "role": "admin"}, token=bob
        ).status_code
        == 403
    )
    assert api.call("DELETE", "/-/org/acme/user", {"user": "carol"}, token=bob).status_code == 403
    assert api.call("DELETE", "/-/org/acme/user", {"user": "alice"}, token=bob).status_code == 403
    assert api.call("PUT", "/-/org/acme/team", {"name": "core"}, token=bob).status_code == 201
    assert body_of(api.call("GET", "/-/org/acme/user", token=carol)) == {
        "alice": "owner",
        "bob": "admin",
        "carol": "developer",
    }
    # the last owner stays; unknown users and roles are refused
    demote = {"user": "alice", "role": "admin"}
    for method, body in (("DELETE", {"user": "alice"}), ("PUT", demote)):
        last = api.call(method, "/-/org/acme/user", body, token=alice)
        assert last.status_code == 403
        assert body_of(last)["error"] == "An org must keep at least one owner"
    assert api.call("PUT", "/-/org/acme/user", {"user": "ghost"}, token=alice).status_code == 404
    assert (
        api.call(
            "PUT", "/-/org/acme/user", {"user": "dave", "role": "boss"}, token=alice
        ).status_code
        == 400
    )
    # members publish into the org's scope
    assert api.call("PUT", "/@acme%2fy", a_publish_body("@acme/y"), token=carol).status_code == 201
    dave = api.call(
        "PUT", "/-/user/org.couchdb.user:dave", {"name": "dave", "password": "correct horse"}
    )
    outsider = body_of(dave)["token"]
    assert (
        api.call("PUT", "/@acme%2fz", a_publish_body("@acme/z"), token=outsider).status_code == 403
    )


def test_teams(api: Api, alice: str) -> None:
    an_org(api, alice)
    bob = api.add_user("bob")
    api.call("PUT", "/-/org/acme/user", {"user": "bob"}, token=alice)
    assert body_of(api.call("GET", "/-/org/acme/team?format=cli", token=bob)) == ["acme:developers"]
    assert body_of(api.call("GET", "/-/team/acme/developers/user?format=cli", token=bob)) == [
        "alice",
        "bob",
    ]
    assert api.call("PUT", "/-/org/acme/team", {"name": "core"}, token=bob).status_code == 403
    assert api.call("PUT", "/-/org/acme/team", {"name": "core"}, token=alice).status_code == 201
    assert api.call("PUT", "/-/org/acme/team", {"name": "core"}, token=alice).status_code == 409
    added = api.call("PUT", "/-/team/acme/core/user", {"user": "bob"}, token=alice)
    assert added.status_code == 201 and body_of(added)["user"] == "bob"
    api.call("DELETE", "/-/org/acme/user", {"user": "bob"}, token=alice)
    assert body_of(api.call("GET", "/-/team/acme/core/user?format=cli", token=alice)) == []
    assert api.call("DELETE", "/-/team/acme/core", token=alice).status_code == 200
    assert api.call("DELETE", "/-/team/acme/core", token=alice).status_code == 404
    assert api.call("GET", "/-/org/acme/user", token=bob).status_code == 404  # not a member now


def test_team_grants_and_collaborators(api: Api, alice: str) -> None:
    an_org(api, alice)
    # npm: the developers team gets read-write on every new org package; take it away here, so
    # the grants below alone decide
    assert body_of(api.call("GET", "/-/team/acme/developers/package", token=alice)) == {
        "@acme/x": "write"
    }
    developers = {"package": "@acme/x"}
    api.call("DELETE", "/-/team/acme/developers/package", developers, token=alice)
    bob = api.add_user("bob")
    api.call("PUT", "/-/org/acme/user", {"user": "bob"}, token=alice)
    api.call("PUT", "/-/org/acme/team", {"name": "core"}, token=alice)
    api.call("PUT", "/-/team/acme/core/user", {"user": "bob"}, token=alice)
    body = {"package": "@acme/x", "permissions": "read-only"}
    assert api.call("PUT", "/-/team/acme/core/package", body, token=bob).status_code == 403
    assert api.call("PUT", "/-/team/acme/core/package", body, token=alice).status_code == 201
    assert body_of(api.call("GET", "/-/team/acme/core/package", token=bob)) == {"@acme/x": "read"}
    assert body_of(api.call("GET", "/-/package/@acme%2fx/collaborators")) == {
        "alice": "write",
        "bob": "read",
    }
    assert (
        api.call("PUT", "/@acme%2fx", a_publish_body("@acme/x", "2.0.0"), token=bob).status_code
        == 403
    )
    body["permissions"] = "read-write"
    api.call("PUT", "/-/team/acme/core/package", body, token=alice)
    assert (
        api.call("PUT", "/@acme%2fx", a_publish_body("@acme/x", "2.0.0"), token=bob).status_code
        == 201
    )
    other = {"package": "elsewhere", "permissions": "read-only"}
    api.call("PUT", "/elsewhere", a_publish_body("elsewhere"), token=alice)
    assert api.call("PUT", "/-/team/acme/core/package", other, token=alice).status_code == 400
    assert (
        api.call(
            "DELETE", "/-/team/acme/core/package", {"package": "@acme/x"}, token=alice
        ).status_code
        == 204
    )
    assert (
        api.call("PUT", "/@acme%2fx", a_publish_body("@acme/x", "3.0.0"), token=bob).status_code
        == 403
    )


def test_a_read_write_team_member_can_finish_an_unpublish(api: Api, alice: str) -> None:
    an_org(api, alice)
    api.call("PUT", "/@acme%2fx", a_publish_body("@acme/x", "1.1.0"), token=alice)
    bob = api.add_user("bob")
    api.call("PUT", "/-/org/acme/user", {"user": "bob"}, token=alice)
    api.call("PUT", "/-/org/acme/team", {"name": "core"}, token=alice)
    api.call("PUT", "/-/team/acme/core/user", {"user": "bob"}, token=alice)
    grant = {"package": "@acme/x", "permissions": "read-write"}
    api.call("PUT", "/-/team/acme/core/package", grant, token=alice)
    doc = body_of(api.call("GET", "/@acme%2fx?write=true"))
    del doc["versions"]["1.1.0"]
    assert api.call("PUT", f"/@acme%2fx/-rev/{doc['_rev']}", doc, token=bob).status_code == 201
    rev = body_of(api.call("GET", "/@acme%2fx?write=true"))["_rev"]
    deleted = api.call("DELETE", f"/@acme/x/-/x-1.1.0.tgz/-rev/{rev}", token=bob)
    assert deleted.status_code == 200
