"""Every PUT body shape npm sends, classified; bodies that mix changes refused."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.errors import InvalidPayloadError
from chalicelib.publish.classify import (
    ChangeOwners,
    Deprecate,
    Publish,
    Star,
    UnpublishVersions,
    classify,
)
from tests.builders import a_publish_body

DOC = {
    "_id": "foo",
    "_rev": "3-abc",
    "name": "foo",
    "dist-tags": {"latest": "2.0.0"},
    "versions": {"1.0.0": {"version": "1.0.0"}, "2.0.0": {"version": "2.0.0", "deprecated": ""}},
    "maintainers": [{"name": "alice", "email": "a@x.io"}],
    "users": {"bob": True},
    "_attachments": {},
}


def test_publish() -> None:
    assert isinstance(classify(a_publish_body("foo"), url_rev=None), Publish)


def test_deprecate_is_the_whole_document_without_attachments() -> None:
    body = {**DOC, "versions": {**DOC["versions"], "1.0.0": {"deprecated": "use 2"}}}
    change = classify(body, url_rev=None)
    assert change == Deprecate(frozenset({"1.0.0", "2.0.0"}), {"1.0.0": "use 2"}, "3-abc")


def test_star() -> None:
    change = classify({"_id": "foo", "_rev": "3-abc", "users": {"bob": True}}, url_rev=None)
    assert change == Star({"bob": True}, "3-abc")


def test_owner_change_uses_the_url_rev() -> None:
    body = {
        "_id": "foo",
        "_rev": "3-abc",
        "maintainers": [{"name": "a"}, {"name": "b"}, {"name": "a"}],
    }
    assert classify(body, url_rev="3-abc") == ChangeOwners(["a", "b"], "3-abc")


def test_unpublish_is_the_document_minus_versions_at_a_rev() -> None:
    body = {**DOC, "versions": {"2.0.0": DOC["versions"]["2.0.0"]}}
    change = classify(body, url_rev="3-abc")
    assert change == UnpublishVersions(frozenset({"2.0.0"}), {}, "3-abc")


@pytest.mark.parametrize(
    ("label", "body", "url_rev"),
    [
        ("not an object", ["x"], None),
        ("star and owners at once", {"_id": "foo", "users": {}, "maintainers": []}, None),
        ("star with a false", {"_id": "foo", "users": {"bob": False}}, None),
        ("publish to a revision", a_publish_body("foo"), "3-abc"),
        ("nothing recognisable", {"_id": "foo", "description": "x"}, None),
        ("versions not an object", {"_id": "foo", "versions": []}, None),
        ("deprecated not a string", {"_id": "foo", "versions": {"1.0.0": {"deprecated": 1}}}, None),
        ("maintainers without names", {"_id": "foo", "maintainers": [{"email": "x"}]}, "1-a"),
    ],
)
def test_refused(label: str, body: Any, url_rev: str | None) -> None:
    with pytest.raises(InvalidPayloadError):
        classify(body, url_rev=url_rev)
