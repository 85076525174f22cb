"""`npm audit`: the bulk advisories route npm sends its installed tree to, and the advisories a
package's writers add (chalicelib/audit/)."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from chalicelib import wiring
from chalicelib.audit import owners as owner_advisories
from chalicelib.audit.bulk import bulk_advisories
from chalicelib.http import params, render
from chalicelib.http.observe import note
from chalicelib.http.request import actor, header, optional_actor
from chalicelib.http.routing import JSON_TYPES, current_request, router

blueprint = Blueprint(__name__)
_route = router(blueprint)

# What an audit body may inflate to: npm sends every installed package's name and versions.
AUDIT_BODY_LIMIT = 16 * 1024 * 1024


def _request() -> Request:
    return current_request(blueprint)


@_route("/-/npm/v1/security/advisories/bulk", methods=["POST"], content_types=JSON_TYPES)
def audit_bulk() -> Response:
    registry, request = wiring.registry(), _request()
    note(operation="audit")
    who = optional_actor(registry, request)
    raw = params.inflated(request.raw_body, header(request, "content-encoding"), AUDIT_BODY_LIMIT)
    return render.json_response(bulk_advisories(registry, who, params.json_body(raw)))


@_route("/-/npm/v1/security/advisories/{advisory}", methods=["PUT"], content_types=JSON_TYPES)
def put_advisory(advisory: str) -> Response:
    registry, request = wiring.registry(), _request()
    note(operation="advisory")
    who = actor(registry, request)
    body = params.json_body(request.raw_body)
    added = owner_advisories.put_advisory(registry, who, params.unquote(advisory), body)
    return render.json_response(added, status=201)
