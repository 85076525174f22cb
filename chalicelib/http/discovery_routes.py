"""Routes for the registry's followers and finders, as a Blueprint: the database info (`GET /`),
the changes feed (CouchDB's `_changes`, which npm's mirrors replicated from) and search
(`npm search`)."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from chalicelib import wiring
from chalicelib.changes import feed
from chalicelib.http import render
from chalicelib.http.request import optional_actor
from chalicelib.http.routing import current_request, router
from chalicelib.search.engine import search as run_search
from chalicelib.search.query import parse_query

discovery = Blueprint(__name__)
_route = router(discovery)
READ = ["GET", "HEAD"]


def _request() -> Request:
    return current_request(discovery)


def _query() -> dict[str, str]:
    return dict(_request().query_params or {})


@_route("/", methods=READ)
def db_info() -> Response:
    return render.json_response(feed.db_info(wiring.registry()))


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
