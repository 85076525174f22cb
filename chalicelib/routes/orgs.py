"""`npm org` and `npm team` (libnpmorg, libnpmteam). Org and team names arrive without the
scope's `@` (the clients strip it) and percent-encoded. What a team may do with packages is
`npm access` (routes/access.py)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Request, Response

from chalicelib import wiring
from chalicelib.http import params, render
from chalicelib.http.request import actor
from chalicelib.http.routing import JSON_TYPES, current_request, router
from chalicelib.orgs import service

blueprint = Blueprint(__name__)
_route = router(blueprint)


def _request() -> Request:
    return current_request(blueprint)


def _name(segment: str) -> str:
    return params.org_name(segment)


def _body() -> Any:
    return params.json_body_or_empty(_request().raw_body)


def _cli_or_object(items: list[str]) -> Response:
    # `format=cli` asks for a plain array (npm team ls); otherwise an object like npmjs's.
    if (dict(_request().query_params or {})).get("format") == "cli":
        return render.json_response(items)
    return render.json_response({item: True for item in items})


@_route("/-/org/{org}/user", methods=["PUT"], content_types=JSON_TYPES)
def set_org_member(org: str) -> Response:
    registry = wiring.registry()
    added = service.set_member(
        registry.orgs, registry.accounts, actor(registry, _request()), _name(org), _body()
    )
    return render.json_response(added, status=201)


@_route("/-/org/{org}/user", methods=["DELETE"], content_types=JSON_TYPES)
def remove_org_member(org: str) -> Response:
    registry = wiring.registry()
    service.remove_member(registry.orgs, actor(registry, _request()), _name(org), _body())
    return Response(body="", status_code=204)


@_route("/-/org/{org}/user", methods=["GET"])
def list_org_members(org: str) -> Response:
    registry = wiring.registry()
    return render.json_response(
        service.list_members(registry.orgs, actor(registry, _request()), _name(org))
    )


@_route("/-/org/{org}/team", methods=["PUT"], content_types=JSON_TYPES)
def create_team(org: str) -> Response:
    registry = wiring.registry()
    team = service.create_team(registry.orgs, actor(registry, _request()), _name(org), _body())
    return render.json_response(team, status=201)


@_route("/-/org/{org}/team", methods=["GET"])
def list_teams(org: str) -> Response:
    registry = wiring.registry()
    return _cli_or_object(
        service.list_teams(registry.orgs, actor(registry, _request()), _name(org))
    )


@_route("/-/team/{org}/{team}", methods=["DELETE"], content_types=JSON_TYPES)
def destroy_team(org: str, team: str) -> Response:
    registry = wiring.registry()
    service.destroy_team(registry.orgs, actor(registry, _request()), _name(org), _name(team))
    return render.json_response({"ok": True})


@_route("/-/team/{org}/{team}/user", methods=["PUT"], content_types=JSON_TYPES)
def add_team_member(org: str, team: str) -> Response:
    registry = wiring.registry()
    who = actor(registry, _request())
    added = service.add_team_member(registry.orgs, who, _name(org), _name(team), _body())
    return render.json_response(added, status=201)


@_route("/-/team/{org}/{team}/user", methods=["DELETE"], content_types=JSON_TYPES)
def remove_team_member(org: str, team: str) -> Response:
    registry = wiring.registry()
    who = actor(registry, _request())
    service.remove_team_member(registry.orgs, who, _name(org), _name(team), _body())
    return Response(body="", status_code=204)


@_route("/-/team/{org}/{team}/user", methods=["GET"])
def list_team_members(org: str, team: str) -> Response:
    registry = wiring.registry()
    who = actor(registry, _request())
    return _cli_or_object(service.list_team_members(registry.orgs, who, _name(org), _name(team)))
