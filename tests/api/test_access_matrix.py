"""The authorization matrix, through the HTTP API, on both backends.

Rows: every kind of caller. Columns: every read and write on a public and a private package of an
org, every org and team operation, and the operator's own commands. Each cell is one request (with
whatever set-up it needs, done by the owner first) and its expected answer; every cell is asserted,
and a failure lists each cell that differs.

Two more checks make a leak fail the test even where the status looks right:
- a caller who may not read the private package gets, for every request on it, exactly what the
  same request on a name that does not exist gets (status and body, names swapped);
- lists (org, user and team packages, collaborators) never name the private package to them.

The world: @acme is an org owned by olive (who published both packages); adam is an admin; dev,
rob and wes are developers; team `readers` (rob) has read-only and team `writers` (wes)
read-write on both packages; the `developers` team's default grant is taken away, so the teams
alone decide. "read-only token" is olive's; the non-member's read-only token is stray's (a
token's limits must answer alike for hidden and missing packages). The operator is someone with
the `tarbox` command on the backend: over HTTP they are a user like any other (their account,
opal, is in no org), and only their commands create orgs and set plans.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib import wiring
from chalicelib.billing.plans import standing
from tests import stripe_events
from tests.api.conftest import Api, body_of, deliver, subscribe
from tests.builders import a_publish_body, encoded

PUB, PRIV, GHOST = "@acme/open", "@acme/secret", "@acme/absent"
ROWS = (
    "anonymous",
    "bad token",
    "read-only token",
    "non-member",
    "non-member's read-only token",
    "developer",
    "team read-only",
    "team read-write",
    "admin",
    "owner",
    "operator",
)
NAMES = {
    "anonymous": "nobody",
    "bad token": "nobody",
    "read-only token": "olive",
    "non-member": "stray",
    "non-member's read-only token": "stray",
    "developer": "dev",
    "team read-only": "rob",
    "team read-write": "wes",
    "admin": "adam",
    "owner": "olive",
    "operator": "opal",
}
# Who may not read the private package: compared with a name that does not exist.
NON_READERS = (
    "anonymous",
    "bad token",
    "non-member",
    "non-member's read-only token",
    "developer",
    "operator",
)
OK = "ok"  # any 2xx, or a redirect (a tarball on AWS)
READ_ONLY = {"password": "correct horse", "readonly": True}


@dataclass
class World:
    api: Api
    data_dir: str
    tokens: dict[str, str | None]
    owner: str
    counter: itertools.count[int] = field(default_factory=itertools.count)
    last: int = 0  # the number the latest `n()` gave

    def n(self) -> int:
        self.last = next(self.counter)
        return self.last

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        return self.api.call(method, path, body, token=token)

    def as_owner(self, method: str, path: str, body: Any = None) -> Any:
        answer = self.call(method, path, body, token=self.owner)
        assert answer.status_code < 300, (method, path, answer.body)
        return answer

    def doc(self, name: str) -> dict[str, Any]:
        """The owner's `?write=true` document of a real package."""
        real = PRIV if name == GHOST else name
        doc: dict[str, Any] = body_of(self.as_owner("GET", f"/{encoded(real)}?write=true"))
        return json.loads(json.dumps(doc).replace(real, name)) if name == GHOST else doc


def access_of(name: str) -> str:
    return "public" if name == PUB else "restricted"


def build(api: Api, data_dir: str) -> World:
    users = ["olive", "adam", "dev", "rob", "wes", "stray", "opal", "helper", "helper4", "planless"]
    tokens = {user: api.add_user(user) for user in users}
    olive = tokens["olive"]
    world = World(api, data_dir, {}, olive)
    world.as_owner("PUT", f"/{encoded(PUB)}", a_publish_body(PUB))  # claims @acme
    subscribe(api, "acme")
    world.as_owner("PUT", f"/{encoded(PRIV)}", a_publish_body(PRIV, access="restricted"))
    for user, role in [("adam", "admin"), ("dev", "developer"), ("rob", "developer")]:
        world.as_owner("PUT", "/-/org/acme/user", {"user": user, "role": role})
    for user in ["wes", "helper", "helper4"]:
        world.as_owner("PUT", "/-/org/acme/user", {"user": user})
    for team, member in [("readers", "rob"), ("writers", "wes"), ("scratch", "helper")]:
        world.as_owner("PUT", "/-/org/acme/team", {"name": team})
        world.as_owner("PUT", f"/-/team/acme/{team}/user", {"user": member})
    for name in (PUB, PRIV):
        share(world, name)
    # the scratch team (no caller in it) can read the private package: lists must not tell
    grant = {"package": PRIV, "permissions": "read-only"}
    world.as_owner("PUT", "/-/team/acme/scratch/package", grant)
    readonly, stray_readonly = (
        body_of(api.call("POST", "/-/npm/v1/tokens", READ_ONLY, token=tokens[user]))["token"]
        for user in ("olive", "stray")
    )
    world.tokens = {
        "anonymous": None,
        "bad token": "tbx_not_a_real_token",
        "read-only token": readonly,
        "non-member": tokens["stray"],
        "non-member's read-only token": stray_readonly,
        "developer": tokens["dev"],
        "team read-only": tokens["rob"],
        "team read-write": tokens["wes"],
        "admin": tokens["adam"],
        "owner": olive,
        "operator": tokens["opal"],
    }
    return world


def share(world: World, name: str) -> None:
    """The package's team grants: readers read-only, writers read-write, developers none."""
    world.as_owner("DELETE", "/-/team/acme/developers/package", {"package": name})
    for team, permission in [("readers", "read-only"), ("writers", "read-write")]:
        world.as_owner(
            "PUT", f"/-/team/acme/{team}/package", {"package": name, "permissions": permission}
        )


# --- the operations -----------------------------------------------------------------------------
# Each takes the world, the caller's token and name, and the package it acts on (ignored by org
# operations); set-up runs as the owner; it returns the response to the caller's request.

Op = Callable[[World, str | None, str, str], Any]


def tarball(name: str, version: str = "1.0.0") -> str:
    return f"/{name}/-/{name.split('/')[1]}-{version}.tgz"


def read(path: str) -> Op:
    return lambda w, token, me, name: w.call("GET", path.format(pkg=encoded(name)), token=token)


def publish(w: World, token: str | None, me: str, name: str) -> Any:
    return w.api.publish(name, f"2.0.{w.n()}", token=token, access=access_of(name))


def tag_add(w: World, token: str | None, me: str, name: str) -> Any:
    return w.call("PUT", f"/-/package/{encoded(name)}/dist-tags/t{w.n()}", "1.0.0", token)


def tag_rm(w: World, token: str | None, me: str, name: str) -> Any:
    tag = f"r{w.n()}"
    if name != GHOST:
        w.as_owner("PUT", f"/-/package/{encoded(name)}/dist-tags/{tag}", "1.0.0")
    return w.call("DELETE", f"/-/package/{encoded(name)}/dist-tags/{tag}", token=token)


def deprecate(w: World, token: str | None, me: str, name: str) -> Any:
    doc = w.doc(name)
    doc["versions"]["1.0.0"]["deprecated"] = f"old {w.n()}"
    return w.call("PUT", f"/{encoded(name)}", doc, token)


def owner_add(w: World, token: str | None, me: str, name: str) -> Any:
    doc = w.doc(name)
    maintainers = [*doc["maintainers"], {"name": "helper", "email": "helper@example.com"}]
    body = {"_id": name, "_rev": doc["_rev"], "maintainers": maintainers}
    return w.call("PUT", f"/{encoded(name)}/-rev/{doc['_rev']}", body, token)


def unpublish_version(w: World, token: str | None, me: str, name: str) -> Any:
    version = f"3.0.{w.n()}"
    real = PRIV if name == GHOST else name
    w.as_owner("PUT", f"/{encoded(real)}", a_publish_body(real, version, access=access_of(real)))
    doc = w.doc(name)
    del doc["versions"][version]
    doc["dist-tags"] = {"latest": "1.0.0"}
    return w.call("PUT", f"/{encoded(name)}/-rev/{doc['_rev']}", doc, token)


def delete_tarball(w: World, token: str | None, me: str, name: str) -> Any:
    """The second half of `npm unpublish pkg@version`, after the owner's first half."""
    version = f"4.0.{w.n()}"
    real = PRIV if name == GHOST else name
    if name != GHOST:
        w.as_owner(
            "PUT", f"/{encoded(real)}", a_publish_body(real, version, access=access_of(real))
        )
        doc = w.doc(real)
        del doc["versions"][version]
        doc["dist-tags"] = {"latest": "1.0.0"}
        w.as_owner("PUT", f"/{encoded(real)}/-rev/{doc['_rev']}", doc)
    else:
        version = f"4.0.{w.last}"
    return w.call("DELETE", f"{tarball(name, version)}/-rev/1-0", token=token)


def unpublish_package(w: World, token: str | None, me: str, name: str) -> Any:
    """Of a package made for this cell alone (public or private like `name`)."""
    if name == GHOST:  # named like the package the cell before made, which it then compares to
        return w.call("DELETE", f"/{encoded(GHOST)}-{w.last}/-rev/1-0", token=token)
    fresh = f"{name}-{w.n()}"
    w.as_owner("PUT", f"/{encoded(fresh)}", a_publish_body(fresh, access=access_of(name)))
    share(w, fresh)
    rev = w.doc(fresh)["_rev"]
    return w.call("DELETE", f"/{encoded(fresh)}/-rev/{rev}", token=token)


def star(w: World, token: str | None, me: str, name: str) -> Any:
    doc = w.doc(name)
    body = {"_id": name, "_rev": doc["_rev"], "users": {**doc.get("users", {}), me: True}}
    return w.call("PUT", f"/{encoded(name)}", body, token)


def set_status(w: World, token: str | None, me: str, name: str) -> Any:
    body = {"access": access_of(name)}  # as it is: the permission is what is tested
    return w.call("POST", f"/-/package/{encoded(name)}/access", body, token)


def set_mfa(w: World, token: str | None, me: str, name: str) -> Any:
    body = {"publish_requires_tfa": False}
    return w.call("POST", f"/-/package/{encoded(name)}/access", body, token)


def org(method: str, path: str, body: Any = None) -> Op:
    return lambda w, token, me, name: w.call(method, path, body, token)


def org_rm(w: World, token: str | None, me: str, name: str) -> Any:
    w.as_owner("PUT", "/-/org/acme/user", {"user": "helper4"})
    return w.call("DELETE", "/-/org/acme/user", {"user": "helper4"}, token)


def team_create(w: World, token: str | None, me: str, name: str) -> Any:
    return w.call("PUT", "/-/org/acme/team", {"name": f"t{w.n()}"}, token)


def team_destroy(w: World, token: str | None, me: str, name: str) -> Any:
    team = f"d{w.n()}"
    w.as_owner("PUT", "/-/org/acme/team", {"name": team})
    return w.call("DELETE", f"/-/team/acme/{team}", token=token)


def team_rm(w: World, token: str | None, me: str, name: str) -> Any:
    w.as_owner("PUT", "/-/team/acme/scratch/user", {"user": "helper4"})
    return w.call("DELETE", "/-/team/acme/scratch/user", {"user": "helper4"}, token)


def revoke(w: World, token: str | None, me: str, name: str) -> Any:
    w.as_owner("PUT", "/-/team/acme/scratch/package", {"package": PUB, "permissions": "read-only"})
    return w.call("DELETE", "/-/team/acme/scratch/package", {"package": PUB}, token)


def new_package(w: World, token: str | None, me: str, name: str) -> Any:
    fresh = f"@acme/new-{w.n()}"
    return w.api.publish(fresh, token=token)


@dataclass
class Outcome:
    """What an operator command did, shaped like a response."""

    status_code: int
    body: bytes


def create_org(w: World, token: str | None, me: str, name: str) -> Any:
    corp = f"corp{w.n()}"
    if me == "opal":  # the operator's command, on this backend
        code = w.api.tarbox("org", "create", corp, "--owner", "opal", "--data-dir", w.data_dir)
        return Outcome(200 if code == 0 else 500, b"")
    # over HTTP there is no way to make an org out of nothing
    answer = w.call("PUT", f"/-/org/{corp}/user", {"user": me, "role": "owner"}, token)
    assert wiring.registry().orgs.get_org(corp) is None
    return answer


def activate_plan(w: World, token: str | None, me: str, name: str) -> Any:
    if me == "opal":
        code = w.api.tarbox("plan", "set", "planless", "active", "--data-dir", w.data_dir)
        return Outcome(200 if code == 0 else 500, b"")
    # over HTTP only the payment provider's signed events move plans; a forged one is refused
    checkout = stripe_events.checkout_completed("planless", "sub_forged", "cus_forged")
    answer = deliver(w.api, "checkout.session.completed", checkout, secret="whsec_forged")
    registry = wiring.registry()
    assert standing(registry.billing, registry.settings, "planless").state == "none"
    return answer


# --- the expectations ---------------------------------------------------------------------------
#            anonymous, bad token, read-only token, non-member, non-member's read-only token,
#            developer, team read-only, team read-write, admin, owner, operator
EVERYONE = (OK, 401, OK, OK, OK, OK, OK, OK, OK, OK, OK)
READERS = (404, 401, OK, 404, 404, 404, OK, OK, OK, OK, 404)
WRITERS_PUBLIC = (401, 401, 403, 403, 403, 403, 403, OK, 403, OK, 403)
WRITERS_PRIVATE = (401, 401, 403, 404, 403, 404, 403, OK, 403, OK, 404)
# a private package's existence cannot be hidden from its scope: publishing names it
PUBLISH_PRIVATE = (401, 401, 403, 403, 403, 403, 403, OK, 403, OK, 403)
STAR_PUBLIC = (401, 401, 403, OK, 403, OK, OK, OK, OK, OK, OK)
STAR_PRIVATE = (401, 401, 403, 404, 403, 404, OK, OK, OK, OK, 404)
MEMBERS = (401, 401, OK, 404, 404, OK, OK, OK, OK, OK, 404)
MANAGERS = (401, 401, 403, 404, 404, 403, 403, 403, OK, OK, 404)
OWNERS = (401, 401, 403, 404, 404, 403, 403, 403, 403, OK, 404)
SCOPE_MEMBERS = (401, 401, 403, 403, 403, OK, OK, OK, OK, OK, 403)
OPERATOR_ONLY_ORG = (401, 401, 404, 404, 404, 404, 404, 404, 404, 404, OK)
OPERATOR_ONLY_PLAN = (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, OK)

PACKAGE_READS: list[tuple[str, Op]] = [
    ("packument", read("/{pkg}")),
    (
        "abbreviated packument",
        lambda w, t, me, name: w.api.call(
            "GET",
            f"/{encoded(name)}",
            token=t,
            headers={"accept": "application/vnd.npm.install-v1+json"},
        ),
    ),
    ("version", read("/{pkg}/1.0.0")),
    ("tarball", lambda w, t, me, name: w.call("GET", tarball(name), token=t)),
    ("dist-tags", read("/-/package/{pkg}/dist-tags")),
    ("visibility", read("/-/package/{pkg}/visibility")),
    ("collaborators", read("/-/package/{pkg}/collaborators")),
]
PACKAGE_WRITES: list[tuple[str, Op, tuple[Any, ...] | None, tuple[Any, ...] | None]] = [
    # name, op, expected on the public package, on the private one (None: the general rule)
    ("publish a version", publish, None, PUBLISH_PRIVATE),
    ("dist-tag add", tag_add, None, None),
    ("dist-tag rm", tag_rm, None, None),
    ("deprecate", deprecate, None, None),
    ("owner add", owner_add, None, None),
    ("unpublish a version", unpublish_version, None, None),
    ("unpublish: the tarball DELETE", delete_tarball, None, None),
    ("unpublish the package", unpublish_package, None, None),
    ("star", star, STAR_PUBLIC, STAR_PRIVATE),
    ("access set status", set_status, None, None),
    ("access set mfa", set_mfa, None, None),
]
ORG_OPERATIONS: list[tuple[str, Op, tuple[Any, ...]]] = [
    ("org ls", org("GET", "/-/org/acme/user"), MEMBERS),
    # npmjs: only owners manage membership and roles; admins manage teams
    ("org set developer", org("PUT", "/-/org/acme/user", {"user": "helper"}), OWNERS),
    (
        "org set owner",
        org("PUT", "/-/org/acme/user", {"user": "planless", "role": "owner"}),
        OWNERS,
    ),
    ("org rm", org_rm, OWNERS),
    ("team ls", org("GET", "/-/org/acme/team?format=cli"), MEMBERS),
    ("team ls members", org("GET", "/-/team/acme/scratch/user?format=cli"), MEMBERS),
    ("team create", team_create, MANAGERS),
    ("team destroy", team_destroy, MANAGERS),
    ("team add", org("PUT", "/-/team/acme/scratch/user", {"user": "helper"}), MANAGERS),
    ("team rm", team_rm, MANAGERS),
    (
        "access grant",
        org("PUT", "/-/team/acme/scratch/package", {"package": PUB, "permissions": "read-only"}),
        MANAGERS,
    ),
    ("access revoke", revoke, MANAGERS),
    ("access list packages team", org("GET", "/-/team/acme/scratch/package"), MEMBERS),
    ("access list packages org", org("GET", "/-/org/acme/package"), EVERYONE),
    ("access list packages user", org("GET", "/-/user/olive/package"), EVERYONE),
    ("publish a new package into the scope", new_package, SCOPE_MEMBERS),
    ("create an org (operator: tarbox org create)", create_org, OPERATOR_ONLY_ORG),
    ("activate a plan (operator: tarbox plan set)", activate_plan, OPERATOR_ONLY_PLAN),
]
LISTS = {"access list packages team", "access list packages org", "access list packages user"}


def columns() -> list[tuple[str, Op, str, tuple[Any, ...]]]:
    """(column, op, package, expected per row)."""
    table: list[tuple[str, Op, str, tuple[Any, ...]]] = []
    for label, op in PACKAGE_READS:
        table.append((f"{label} (public)", op, PUB, EVERYONE))
        table.append((f"{label} (private)", op, PRIV, READERS))
    for label, op, public, private in PACKAGE_WRITES:
        table.append((f"{label} (public)", op, PUB, public or WRITERS_PUBLIC))
        table.append((f"{label} (private)", op, PRIV, private or WRITERS_PRIVATE))
    for label, op, expected in ORG_OPERATIONS:
        table.append((label, op, PUB, expected))
    return table


def outcome(answer: Any) -> Any:
    code = int(answer.status_code)
    return OK if 200 <= code < 400 else code


def body_text(answer: Any) -> str:
    raw = answer.body
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def test_the_authorization_matrix(any_api: Api, tmp_path: Any) -> None:
    # the operator's commands run against this test's backend (its settings; embedded data here)
    data_dir = str(tmp_path / "data")
    world = build(any_api, data_dir)
    differences: list[str] = []
    cells = 0
    for column, op, package, expected in columns():
        for row, wanted in zip(ROWS, expected, strict=True):
            token, me = world.tokens[row], NAMES[row]
            answer = op(world, token, me, package)
            cells += 1
            got = outcome(answer)
            if got != wanted:
                differences.append(
                    f"{row} / {column}: {got} (expected {wanted}): {body_text(answer)[:120]}"
                )
            leak = _leak(world, op, column, row, package, answer)
            if leak:
                differences.append(f"{row} / {column}: {leak}")
    assert not differences, "\n".join(differences)
    assert cells == len(ROWS) * len(columns())


def _leak(world: World, op: Op, column: str, row: str, package: str, answer: Any) -> str | None:
    """What a non-reader learnt about the private package that a missing name would not tell."""
    if row not in NON_READERS:
        return None
    if column in LISTS and "secret" in body_text(answer):
        return "the list names the private package"
    scope_member = row == "developer"
    if package != PRIV or (column.startswith("publish") and scope_member):
        return None  # a member of the scope may learn a name is taken by trying to publish it
    ghost = op(world, world.tokens[row], NAMES[row], GHOST)
    seen = (ghost.status_code, body_text(ghost))
    hidden = (answer.status_code, body_text(answer).replace("secret", "absent"))
    return None if seen == hidden else f"differs from a missing package: {hidden} vs {seen}"
