"""Which tokens may write which packages: a table of (grants, package, may write?)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.acl.guard import require_token_may_write as require_writer
from chalicelib.auth.service import Actor
from chalicelib.errors import PermissionDeniedError

CASES: list[tuple[str, dict[str, Any], bool, str, bool]] = [
    ("classic token", {}, False, "foo", True),
    ("classic read-only", {}, True, "foo", False),
    ("automation token", {"bypass_2fa": True}, False, "foo", True),
    ("granular: its package", {"packages": ["foo"]}, False, "foo", True),
    ("granular: another package", {"packages": ["foo"]}, False, "bar", False),
    ("granular: its scope", {"scopes": ["@acme"]}, False, "@acme/x", True),
    ("granular: scope without @", {"scopes": ["acme"]}, False, "@acme/x", True),
    ("granular: another scope", {"scopes": ["@acme"]}, False, "@other/x", False),
    ("granular: unscoped vs scope", {"scopes": ["@acme"]}, False, "acme", False),
    ("granular: all packages", {"packages_all": True}, False, "anything", True),
    ("granular: read-write", {"packages": ["foo"], "permission": "read-write"}, False, "foo", True),
    ("granular: read-only", {"packages": ["foo"], "permission": "read-only"}, True, "foo", False),
    ("granular: no-access", {"packages": ["foo"], "permission": "no-access"}, False, "foo", False),
    (
        "granular: orgs only",
        {"orgs": ["acme"], "orgs_permission": "read-write"},
        False,
        "foo",
        False,
    ),
]


@pytest.mark.parametrize(
    ("case", "grants", "readonly", "name", "allowed"), CASES, ids=[c[0] for c in CASES]
)
def test_token_writes(
    case: str, grants: dict[str, Any], readonly: bool, name: str, allowed: bool
) -> None:
    actor = Actor("alice", "a@x.io", readonly=readonly, grants=grants)
    if allowed:
        require_writer(actor, name)
    else:
        with pytest.raises(PermissionDeniedError):
            require_writer(actor, name)
