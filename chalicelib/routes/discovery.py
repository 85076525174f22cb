"""The registry's followers and finders: the database info (`GET /`), the changes feed
(CouchDB's `_changes`, which npm's mirrors replicated from), search (`npm search`), download
counts (api.npmjs.org's paths, on the registry's own host) and who depends on a package."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from chalicelib import wiring
from chalicelib.changes import feed
from chalicelib.downloads import api as downloads
from chalicelib.http import params, render
from chalicelib.http.request import optional_actor
from chalicelib.http.routing import READ, current_request, router
from chalicelib.search.engine import search as run_search
from chalicelib.search.query import parse_query
from chalicelib.serving.dependents import dependents_of

blueprint = Blueprint(__name__)
_route = router(blueprint)


def _request() -> Request:
    return current_request(blueprint)


def _query() -> dict[str, str]:
    return dict(_request().query_params or {})


@_route("/", methods=READ)
def db_info() -> Response:
    return render.json_response(feed.db_info(wiring.registry().changes))


@_route("/-/_changes", methods=READ)
def changes() -> Response:
    registry = wiring.registry()
    found = feed.changes(registry, optional_actor(registry, _request()), _query())
    return render.json_response(found)


@_route("/-/v1/search", methods=READ)
def search() -> Response:
    registry = wiring.registry()
    query = parse_query(_query())
    return render.json_response(run_search(registry, optional_actor(registry, _request()), query))


def _downloads(kind: str, period: str, names: str | None) -> Response:
    registry = wiring.registry()
    who = optional_actor(registry, _request())
    answer = downloads.point if kind == "point" else downloads.days_range
    return render.json_response(answer(registry, who, params.unquote(period), names))


# `point` and `range` are literals, not a `{kind}`: `/downloads/-/downloads-1.0.0.tgz` is the
# tarball of the package named `downloads`, and a variable there would take it.
@_route("/downloads/point/{period}", methods=READ)
def downloads_point_all(period: str) -> Response:
    return _downloads("point", period, None)


@_route("/downloads/point/{period}/{p1}", methods=READ)
def downloads_point(period: str, p1: str) -> Response:
    return _downloads("point", period, params.unquote(p1))


@_route("/downloads/point/{period}/{p1}/{p2}", methods=READ)
def downloads_point_scoped(period: str, p1: str, p2: str) -> Response:
    return _downloads("point", period, params.scoped_name(p1, p2))


@_route("/downloads/range/{period}", methods=READ)
def downloads_range_all(period: str) -> Response:
    return _downloads("range", period, None)


@_route("/downloads/range/{period}/{p1}", methods=READ)
def downloads_range(period: str, p1: str) -> Response:
    return _downloads("range", period, params.unquote(p1))


@_route("/downloads/range/{period}/{p1}/{p2}", methods=READ)
def downloads_range_scoped(period: str, p1: str, p2: str) -> Response:
    return _downloads("range", period, params.scoped_name(p1, p2))


def _dependents(name: str) -> Response:
    registry = wiring.registry()
    who = optional_actor(registry, _request())
    return render.json_response(dependents_of(registry, who, name, _query()))


@_route("/-/v1/dependents/{p1}", methods=READ)
def dependents(p1: str) -> Response:
    return _dependents(params.package_name(p1))


@_route("/-/v1/dependents/{p1}/{p2}", methods=READ)
def scoped_dependents(p1: str, p2: str) -> Response:
    return _dependents(params.scoped_name(p1, p2))
