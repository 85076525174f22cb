"""`can(actor, action, resource)`, the one access decision, as a table: who, what, on which
resource, and the answer (allowed, or how it is refused). The HTTP matrix
(`tests/api/test_access_matrix.py`) checks the same rules end to end on both backends."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.acl.policy import (
    FORBIDDEN,
    HIDDEN,
    ORG_MANAGE,
    ORG_OWN,
    ORG_READ,
    PACKAGE_READ,
    PACKAGE_WRITE,
    SCOPE_PUBLISH,
    UNAUTHENTICATED,
    OrgFacts,
    PackageFacts,
    Resource,
    ScopeFacts,
    can,
)
from chalicelib.auth.service import Actor

ACME = OrgFacts(
    "acme",
    {"olive": "owner", "adam": "admin", "dev": "developer", "rob": "developer", "wes": "developer"},
)
ACME_SCOPE = ScopeFacts("acme", "acme", "org", ACME)
TEAMS = {
    "readers": ("read-only", frozenset({"rob", "gone"})),  # gone: left the org, still listed
    "writers": ("read-write", frozenset({"wes"})),
}


def org_package(access: str) -> PackageFacts:
    return PackageFacts("@acme/lib", access, frozenset({"mia"}), ACME_SCOPE, TEAMS)


PRIVATE = org_package("restricted")
PUBLIC = org_package("public")
USER_PRIVATE = PackageFacts(
    "@alice/own", "restricted", frozenset({"bea"}), ScopeFacts("alice", "alice", "user")
)


def who(name: str | None, **token: Any) -> Actor | None:
    return None if name is None else Actor(name, f"{name}@example.com", **token)


OK = "allowed"
CASES: list[tuple[str | None, dict[str, Any], str, Resource, str]] = [
    # public packages: anyone reads; writers write
    (None, {}, PACKAGE_READ, PUBLIC, OK),
    ("stranger", {}, PACKAGE_READ, PUBLIC, OK),
    ("stranger", {}, PACKAGE_WRITE, PUBLIC, FORBIDDEN),
    (None, {}, PACKAGE_WRITE, PUBLIC, UNAUTHENTICATED),
    ("mia", {}, PACKAGE_WRITE, PUBLIC, OK),  # maintainer
    ("olive", {}, PACKAGE_WRITE, PUBLIC, OK),  # org owner
    ("wes", {}, PACKAGE_WRITE, PUBLIC, OK),  # read-write team
    ("rob", {}, PACKAGE_WRITE, PUBLIC, FORBIDDEN),  # read-only team
    ("adam", {}, PACKAGE_WRITE, PUBLIC, FORBIDDEN),  # admins manage access, not code
    ("dev", {}, PACKAGE_WRITE, PUBLIC, FORBIDDEN),  # not in a granted team
    ("mia", {"readonly": True}, PACKAGE_WRITE, PUBLIC, FORBIDDEN),
    ("mia", {"readonly": True}, PACKAGE_READ, PUBLIC, OK),
    # private packages: hidden from everyone without read access
    (None, {}, PACKAGE_READ, PRIVATE, HIDDEN),
    (None, {}, PACKAGE_WRITE, PRIVATE, HIDDEN),
    ("stranger", {}, PACKAGE_READ, PRIVATE, HIDDEN),
    ("stranger", {}, PACKAGE_WRITE, PRIVATE, HIDDEN),
    ("dev", {}, PACKAGE_READ, PRIVATE, HIDDEN),
    ("gone", {}, PACKAGE_READ, PRIVATE, HIDDEN),  # a team lists them, the org does not
    ("rob", {}, PACKAGE_READ, PRIVATE, OK),
    ("rob", {}, PACKAGE_WRITE, PRIVATE, FORBIDDEN),
    ("wes", {}, PACKAGE_WRITE, PRIVATE, OK),
    ("adam", {}, PACKAGE_READ, PRIVATE, OK),
    ("adam", {}, PACKAGE_WRITE, PRIVATE, FORBIDDEN),
    ("olive", {}, PACKAGE_WRITE, PRIVATE, OK),
    ("mia", {}, PACKAGE_WRITE, PRIVATE, OK),
    ("rob", {"readonly": True}, PACKAGE_READ, PRIVATE, OK),
    ("alice", {}, PACKAGE_READ, USER_PRIVATE, OK),  # the scope's own user
    ("alice", {}, PACKAGE_WRITE, USER_PRIVATE, FORBIDDEN),  # maintainers write
    ("bea", {}, PACKAGE_WRITE, USER_PRIVATE, OK),
    # granular tokens reach only what they name
    (
        "rob",
        {"grants": {"packages": ["@acme/lib"], "permission": "read-only"}},
        PACKAGE_READ,
        PRIVATE,
        OK,
    ),
    ("rob", {"grants": {"packages": ["other"]}}, PACKAGE_READ, PRIVATE, HIDDEN),
    ("rob", {"grants": {"scopes": ["@acme"]}}, PACKAGE_READ, PRIVATE, OK),
    (
        "rob",
        {"grants": {"packages_all": True, "permission": "no-access"}},
        PACKAGE_READ,
        PRIVATE,
        HIDDEN,
    ),
    ("rob", {"grants": {"packages": ["other"]}}, PACKAGE_READ, PUBLIC, OK),
    (
        "wes",
        {"grants": {"packages": ["@acme/lib"], "permission": "read-only"}},
        PACKAGE_WRITE,
        PRIVATE,
        FORBIDDEN,
    ),
    ("wes", {"grants": {"bypass_2fa": True}}, PACKAGE_WRITE, PRIVATE, OK),
    # orgs
    (None, {}, ORG_READ, ACME, UNAUTHENTICATED),
    ("stranger", {}, ORG_READ, ACME, HIDDEN),
    ("dev", {}, ORG_READ, ACME, OK),
    ("dev", {}, ORG_MANAGE, ACME, FORBIDDEN),
    ("adam", {}, ORG_MANAGE, ACME, OK),
    ("adam", {}, ORG_OWN, ACME, FORBIDDEN),
    ("olive", {}, ORG_OWN, ACME, OK),
    ("olive", {"readonly": True}, ORG_READ, ACME, OK),
    ("olive", {"readonly": True}, ORG_MANAGE, ACME, FORBIDDEN),
    ("olive", {"grants": {"orgs": ["acme"]}}, ORG_OWN, ACME, FORBIDDEN),
    ("dev", {"grants": {"orgs": ["acme"], "orgs_permission": "read-only"}}, ORG_READ, ACME, OK),
    (
        "dev",
        {"grants": {"orgs": ["other"], "orgs_permission": "read-only"}},
        ORG_READ,
        ACME,
        FORBIDDEN,
    ),
    ("dev", {"grants": {"packages": ["x"]}}, ORG_READ, ACME, FORBIDDEN),
    ("dev", {"grants": {"bypass_2fa": True}}, ORG_READ, ACME, OK),
    # scopes take new packages from their user, or any member of their org
    ("dev", {}, SCOPE_PUBLISH, ACME_SCOPE, OK),
    ("stranger", {}, SCOPE_PUBLISH, ACME_SCOPE, FORBIDDEN),
    ("alice", {}, SCOPE_PUBLISH, ScopeFacts("alice", "alice"), OK),
    ("bob", {}, SCOPE_PUBLISH, ScopeFacts("alice", "alice"), FORBIDDEN),
    ("bob", {}, SCOPE_PUBLISH, ScopeFacts("free", None), OK),  # publishing claims it
    (None, {}, SCOPE_PUBLISH, ScopeFacts("free", None), UNAUTHENTICATED),
]


@pytest.mark.parametrize(("name", "token", "action", "resource", "expected"), CASES)
def test_can(
    name: str | None, token: dict[str, Any], action: str, resource: Resource, expected: str
) -> None:
    decision = can(who(name, **token), action, resource)
    assert (OK if decision.allowed else decision.refusal) == expected, decision.reason
    assert decision.reason  # every answer says why


def test_reasons_name_the_rule() -> None:
    assert can(who("wes"), PACKAGE_WRITE, PRIVATE).reason == "wes is in acme:writers (read-write)"
    assert can(who("adam"), PACKAGE_READ, PRIVATE).reason == "adam is an admin of acme"
    assert "no access" in can(who("dev"), PACKAGE_READ, PRIVATE).reason


def test_unknown_actions_are_errors_not_refusals() -> None:
    with pytest.raises(ValueError, match="unknown"):
        can(who("olive"), "package:destroy", PUBLIC)
    with pytest.raises(ValueError, match="unknown"):
        can(who("olive"), PACKAGE_READ, ACME)
