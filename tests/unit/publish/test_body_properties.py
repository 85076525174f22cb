"""The publish-body parser (`publish/payload.py`) against any JSON (hypothesis): whatever a client
sends, it answers a PublishRequest or one of the registry's own 4xx errors, never another
exception, within a budget of time and memory per body. Mutations of a valid npm body (a field
dropped, replaced by any JSON, or a version key changed) are the cases most likely to slip past
a check, so they get a suite of their own."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.errors import RegistryError
from chalicelib.http.errors import status_for
from chalicelib.publish.payload import PublishRequest, parse_publish
from tests.builders import a_publish_body
from tests.unit.publish.test_tarball import MB, bounded

NAME = "pkg"
LIMIT = 1 * MB
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from([NAME, "1.0.0", "public", "restricted", "latest", "data", "length"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=30,
)
FIELDS = [
    ("name",),
    ("_id",),
    ("access",),
    ("dist-tags",),
    ("versions",),
    ("_attachments",),
    ("versions", "1.0.0"),
    ("versions", "1.0.0", "name"),
    ("versions", "1.0.0", "version"),
    ("versions", "1.0.0", "dist"),
    ("versions", "1.0.0", "dist", "integrity"),
    ("versions", "1.0.0", "dist", "shasum"),
    ("versions", "1.0.0", "dependencies"),
    ("versions", "1.0.0", "bin"),
    ("versions", "1.0.0", "scripts"),
    ("_attachments", "pkg-1.0.0.tgz"),
    ("_attachments", "pkg-1.0.0.tgz", "data"),
    ("_attachments", "pkg-1.0.0.tgz", "length"),
]
VALID = a_publish_body(NAME)


def parse_bounded(body: Any) -> None:
    """Parse; it returns a request or raises a registry error a client is answered 4xx with."""

    def parse() -> None:
        try:
            assert isinstance(parse_publish(NAME, body, max_tarball_bytes=LIMIT), PublishRequest)
        except RegistryError as exc:
            assert 400 <= status_for(exc) < 500, (type(exc).__name__, exc)

    bounded(parse, max_bytes=16 * MB, seconds=2.0)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON_VALUES)
def test_any_json_is_parsed_or_refused_as_a_client_error(body: Any) -> None:
    parse_bounded(body)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIELDS), st.one_of(st.just("drop"), JSON_VALUES))
def test_a_valid_body_with_one_field_changed_is_parsed_or_refused(
    field: tuple[str, ...], value: Any
) -> None:
    body = copy.deepcopy(VALID)
    parent = body
    for key in field[:-1]:
        parent = parent[key]
    if value == "drop":
        parent.pop(field[-1], None)
    else:
        parent[field[-1]] = value
    parse_bounded(json.loads(json.dumps(body)))  # as it arrives: JSON, not Python objects


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=30))
def test_any_version_key_is_parsed_or_refused(version: str) -> None:
    body = copy.deepcopy(VALID)
    body["versions"] = {version: {**body["versions"]["1.0.0"], "version": version}}
    parse_bounded(body)
