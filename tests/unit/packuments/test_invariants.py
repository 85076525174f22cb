"""The rules of a package document, as a table: (case, old, new, actor, expected error)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.errors import (
    InvariantViolationError,
    PermissionDeniedError,
    RegistryError,
    VersionAlreadyPublishedError,
)
from chalicelib.packuments.invariants import PackageView, check_transition

ALICE, BOB = "alice", "bob"
COPY = None  # a mirror's or an import's copy: no one asks
M1 = {"name": "foo", "version": "1.0.0", "dist": {"shasum": "1"}}
M2 = {"name": "foo", "version": "2.0.0", "dist": {"shasum": "2"}}
BASE = PackageView(
    name="foo",
    dist_tags={"latest": "2.0.0"},
    maintainers=frozenset({"alice"}),
    versions={"1.0.0": M1, "2.0.0": M2},
    ever_published=frozenset({"0.9.0", "1.0.0", "2.0.0"}),
)
M3 = {"name": "foo", "version": "3.0.0", "dist": {"shasum": "3"}}

CASES: list[tuple[str, PackageView | None, PackageView, str | None, type[RegistryError] | None]] = [
    (
        "publish a new version",
        BASE,
        replace(BASE, versions={**BASE.versions, "3.0.0": M3}),
        ALICE,
        None,
    ),
    (
        "a stranger publishes",
        BASE,
        replace(BASE, versions={**BASE.versions, "3.0.0": M3}),
        BOB,
        PermissionDeniedError,
    ),
    (
        "reuse an unpublished version",
        BASE,
        replace(BASE, versions={**BASE.versions, "0.9.0": M3}),
        ALICE,
        VersionAlreadyPublishedError,
    ),
    (
        "change a published manifest",
        BASE,
        replace(BASE, versions={**BASE.versions, "1.0.0": {**M1, "main": "x"}}),
        ALICE,
        InvariantViolationError,
    ),
    ("deprecate", BASE, replace(BASE, deprecated={"1.0.0": "old"}), ALICE, None),
    (
        "a stranger deprecates",
        BASE,
        replace(BASE, deprecated={"1.0.0": "old"}),
        BOB,
        PermissionDeniedError,
    ),
    (
        "deprecate a missing version",
        BASE,
        replace(BASE, deprecated={"7.0.0": "old"}),
        ALICE,
        InvariantViolationError,
    ),
    ("star as yourself", BASE, replace(BASE, users={"bob": True}), BOB, None),
    (
        "star as someone else",
        BASE,
        replace(BASE, users={"carol": True}),
        BOB,
        PermissionDeniedError,
    ),
    ("unstar someone else", replace(BASE, users={"carol": True}), BASE, BOB, PermissionDeniedError),
    ("add an owner", BASE, replace(BASE, maintainers=frozenset({"alice", "bob"})), ALICE, None),
    (
        "a stranger adds themself",
        BASE,
        replace(BASE, maintainers=frozenset({"alice", "bob"})),
        BOB,
        PermissionDeniedError,
    ),
    (
        "remove the last owner",
        BASE,
        replace(BASE, maintainers=frozenset()),
        ALICE,
        InvariantViolationError,
    ),
    (
        "tag a missing version",
        BASE,
        replace(BASE, dist_tags={"latest": "2.0.0", "x": "9.9.9"}),
        ALICE,
        InvariantViolationError,
    ),
    ("drop latest", BASE, replace(BASE, dist_tags={}), ALICE, InvariantViolationError),
    ("move latest back", BASE, replace(BASE, dist_tags={"latest": "1.0.0"}), ALICE, None),
    ("unpublish a version", BASE, replace(BASE, versions={"2.0.0": M2}), ALICE, None),
    (
        "unpublish leaving latest dangling",
        BASE,
        replace(BASE, versions={"1.0.0": M1}),
        ALICE,
        InvariantViolationError,
    ),
    ("unpublish everything", BASE, replace(BASE, versions={}, dist_tags={}), ALICE, None),
    ("rename", BASE, replace(BASE, name="bar"), ALICE, InvariantViolationError),
    ("create", None, replace(BASE, ever_published=frozenset()), ALICE, None),
    (
        "create for someone else",
        None,
        replace(BASE, maintainers=frozenset({"bob"})),
        ALICE,
        PermissionDeniedError,
    ),
    (
        "create without versions",
        None,
        replace(BASE, versions={}, dist_tags={}),
        ALICE,
        InvariantViolationError,
    ),
    # A copy keeps its source's people; the rules of the data still hold.
    (
        "copy of a new package without maintainers",
        None,
        replace(BASE, maintainers=frozenset()),
        COPY,
        None,
    ),
    ("copy without a latest tag", BASE, replace(BASE, dist_tags={"next": "2.0.0"}), COPY, None),
    ("copy by no maintainer", BASE, replace(BASE, dist_tags={"latest": "1.0.0"}), COPY, None),
    (
        "copy changes a published version",
        BASE,
        replace(BASE, versions={"1.0.0": M1, "2.0.0": {**M2, "dist": {"shasum": "x"}}}),
        COPY,
        InvariantViolationError,
    ),
    (
        "copy brings back a version gone here (a mirror restoring what it tombstoned)",
        BASE,
        replace(BASE, versions={**BASE.versions, "0.9.0": {**M1, "version": "0.9.0"}}),
        COPY,
        None,
    ),
    (
        "copy tags a missing version",
        BASE,
        replace(BASE, dist_tags={"latest": "2.0.0", "beta": "3.0.0"}),
        COPY,
        InvariantViolationError,
    ),
    (
        "copy deprecates a missing version",
        BASE,
        replace(BASE, deprecated={"3.0.0": "no"}),
        COPY,
        InvariantViolationError,
    ),
    ("copy renames", BASE, replace(BASE, name="bar"), COPY, InvariantViolationError),
]


@pytest.mark.parametrize(("case", "old", "new", "actor", "error"), CASES, ids=[c[0] for c in CASES])
def test_rules(
    case: str,
    old: PackageView | None,
    new: PackageView,
    actor: str | None,
    error: type[RegistryError] | None,
) -> None:
    if error is None:
        check_transition(old, new, actor)
    else:
        with pytest.raises(error):
            check_transition(old, new, actor)
