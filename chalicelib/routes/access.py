"""`npm access`: a package's status and mfa setting (`set status`, `set mfa`, `get status`:
lifecycle/access.py), and who may read and write it (`grant`, `revoke`, `list packages`,
`list collaborators`: orgs/grants.py)."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from chalicelib import wiring
from chalicelib.http import params, render
from chalicelib.http.request import actor, base_url, optional_actor
from chalicelib.http.routing import JSON_TYPES, current_request, router
from chalicelib.lifecycle import access
from chalicelib.orgs import grants
from chalicelib.packuments.render import rev_string

blueprint = Blueprint(__name__)
_route = router(blueprint)


def _request() -> Request:
    return current_request(blueprint)


# --- npm access set status|mfa, get status ----------------------------------------------------


def _set_access(name: str) -> Response:
    registry, request = wiring.registry(), _request()
    body = params.json_body(request.raw_body)
    who, base = actor(registry, request), base_url(registry, request)
    updated = access.set_access(registry, who, name, body, base)
    return render.json_response({"ok": True, "id": name, "rev": rev_string(updated)})


@_route("/-/package/{p1}/access", methods=["POST"], content_types=JSON_TYPES)
def post_access(p1: str) -> Response:
    return _set_access(params.package_name(p1))


@_route("/-/package/{p1}/{p2}/access", methods=["POST"], content_types=JSON_TYPES)
def post_scoped_access(p1: str, p2: str) -> Response:
    return _set_access(params.scoped_name(p1, p2))


@_route("/-/package/{p1}/visibility", methods=["GET"])
def get_visibility(p1: str) -> Response:
    registry = wiring.registry()
    who = optional_actor(registry, _request())
    return render.json_response(access.visibility(registry, who, params.package_name(p1)))


@_route("/-/package/{p1}/{p2}/visibility", methods=["GET"])
def get_scoped_visibility(p1: str, p2: str) -> Response:
    registry, name = wiring.registry(), params.scoped_name(p1, p2)
    who = optional_actor(registry, _request())
    return render.json_response(access.visibility(registry, who, name))


# --- npm access grant|revoke|list -------------------------------------------------------------


@_route("/-/team/{org}/{team}/package", methods=["PUT"], content_types=JSON_TYPES)
def grant_team_package(org: str, team: str) -> Response:
    registry = wiring.registry()
    who = actor(registry, _request())
    body = params.json_body_or_empty(_request().raw_body)
    granted = grants.grant(
        registry.orgs, registry.packages, who, params.org_name(org), params.org_name(team), body
    )
    return render.json_response(granted, status=201)


@_route("/-/team/{org}/{team}/package", methods=["DELETE"], content_types=JSON_TYPES)
def revoke_team_package(org: str, team: str) -> Response:
    registry = wiring.registry()
    who = actor(registry, _request())
    body = params.json_body_or_empty(_request().raw_body)
    grants.revoke(
        registry.orgs, registry.packages, who, params.org_name(org), params.org_name(team), body
    )
    return Response(body="", status_code=204)


@_route("/-/team/{org}/{team}/package", methods=["GET"])
def list_team_packages(org: str, team: str) -> Response:
    registry = wiring.registry()
    who = actor(registry, _request())
    found = grants.team_packages(registry, who, params.org_name(org), params.org_name(team))
    return render.json_response(found)


@_route("/-/org/{org}/package", methods=["GET"])
def list_org_packages(org: str) -> Response:
    # npm access list packages @org (libnpmaccess getPackages; a 404 sends npm to /-/user/…)
    registry = wiring.registry()
    who = optional_actor(registry, _request())
    return render.json_response(grants.org_packages(registry, who, params.org_name(org)))


@_route("/-/user/{user}/package", methods=["GET"])
def list_user_packages(user: str) -> Response:
    registry = wiring.registry()
    who = optional_actor(registry, _request())
    return render.json_response(grants.user_packages(registry, who, params.org_name(user)))


@_route("/-/package/{p1}/collaborators", methods=["GET"])
def collaborators(p1: str) -> Response:
    registry = wiring.registry()
    who = optional_actor(registry, _request())
    return render.json_response(grants.collaborators(registry, who, params.package_name(p1)))


@_route("/-/package/{p1}/{p2}/collaborators", methods=["GET"])
def scoped_collaborators(p1: str, p2: str) -> Response:
    registry = wiring.registry()
    who = optional_actor(registry, _request())
    name = params.scoped_name(p1, p2)
    return render.json_response(grants.collaborators(registry, who, name))
