"""The local server's route matching must pick what Chalice's LocalGateway (API Gateway's rule)
picks, for every route in the table; hot reads are the ones every install makes."""

from __future__ import annotations

import pytest
from chalice.local import RouteMatcher

from app import app
from chalicelib.http.routing import is_hot
from chalicelib.server.dispatch import RouteTable

TABLE = RouteTable(app.routes)
CHALICE = RouteMatcher(list(app.routes))


def _concrete(route: str, value: str) -> str:
    """A path the route matches, each variable filled with `value`."""
    return "/".join(value if part.startswith("{") else part for part in route.split("/"))


def _chalice(path: str) -> tuple[str, dict[str, str]] | None:
    try:
        found = CHALICE.match_route(path)
    except ValueError:
        return None
    return found.route, found.captured


@pytest.mark.parametrize("route", sorted(app.routes))
@pytest.mark.parametrize("value", ["x", "-", "@scope", "dist-tags", "-rev", "access", "1.0.0"])
def test_every_route_matches_as_chalice_matches_it(route: str, value: str) -> None:
    path = _concrete(route, value)
    assert TABLE.match(path) == _chalice(path)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/-/ping/",
        "/a/b/c/d/e/f/g",
        "/@scope/name/-/name-1.0.0.tgz",
        "/-/package/@scope/name/dist-tags/beta",
        "/lib/-rev/3-abc",
        "/-/v1/search",
        "/-/user/org.couchdb.user:alice",
        "//double",
    ],
)
def test_other_paths_match_as_chalice_matches_them(path: str) -> None:
    assert TABLE.match(path) == _chalice(path)


def test_a_literal_segment_wins_over_a_variable() -> None:
    assert TABLE.match("/-/ping") == ("/-/ping", {})
    assert TABLE.match("/lib/-/lib-1.0.0.tgz") == (
        "/{p1}/-/{file}",
        {"p1": "lib", "file": "lib-1.0.0.tgz"},
    )


def test_hot_reads_are_the_install_path() -> None:
    hot = {
        (route, method)
        for route, methods in app.routes.items()
        for method, entry in methods.items()
        if is_hot(entry.view_function)
    }
    reads = {"GET", "HEAD"}
    assert hot == {
        (route, method)
        for route in (
            "/-/ping",
            "/{p1}",
            "/{p1}/{p2}",
            "/{p1}/{p2}/{p3}",
            "/{p1}/-/{file}",
            "/{p1}/{p2}/-/{file}",
        )
        for method in reads
    }
