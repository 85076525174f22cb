"""Staged publishing: `npm stage publish/list/view/download/approve/reject`
(publish/staged.py)."""

from __future__ import annotations

import re

from chalice.app import Blueprint, Request, Response

from chalicelib import wiring
from chalicelib.errors import InvalidQueryError, NotFoundError
from chalicelib.http import params, render
from chalicelib.http.observe import note
from chalicelib.http.request import actor, base_url
from chalicelib.http.routing import JSON_TYPES, current_request, router
from chalicelib.publish.payload import parse_publish
from chalicelib.publish.staged import (
    MAX_PER_PAGE,
    approve_staged,
    list_staged,
    reject_staged,
    shown,
    stage_version,
    staged_tarball,
    view_staged,
)

blueprint = Blueprint(__name__)
_route = router(blueprint)
# npm checks the ids it is given are UUIDs (lib/utils/validate-uuid.js); so do we, before any
# read, so a stray path never reaches the store.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _request() -> Request:
    return current_request(blueprint)


@_route("/-/stage/package/{p1}", methods=["POST"], content_types=JSON_TYPES)
def stage_package(p1: str) -> Response:
    """libnpmpublish with `stage: true` POSTs its publish body here and reads `stageId`."""
    return _stage(params.package_name(p1))


@_route("/-/stage/package/{p1}/{p2}", methods=["POST"], content_types=JSON_TYPES)
def stage_scoped_package(p1: str, p2: str) -> Response:
    return _stage(params.scoped_name(p1, p2))


def _stage(name: str) -> Response:
    registry, request = wiring.registry(), _request()
    publish = parse_publish(
        name,
        params.json_body(request.raw_body),
        max_tarball_bytes=registry.settings.max_tarball_bytes,
    )
    staged = stage_version(registry, actor(registry, request), publish)
    note(operation="stage")
    return render.json_response({"stageId": staged.id, **shown(staged)}, 201)


@_route("/-/stage", methods=["GET"])
def staged_list() -> Response:
    """`npm stage list [pkg]`: `?package=&page=&perPage=` -> `{items, total}`."""
    registry, request = wiring.registry(), _request()
    query = dict(request.query_params or {})
    page, per_page = _number(query, "page", 0), _number(query, "perPage", MAX_PER_PAGE)
    body = list_staged(registry, actor(registry, request), query.get("package"), page, per_page)
    return render.json_response(body, headers={"Cache-Control": "no-store"})


@_route("/-/stage/{id}", methods=["GET", "DELETE"])
def staged_version(id: str) -> Response:
    registry, request = wiring.registry(), _request()
    who = actor(registry, request)
    if request.method == "DELETE":
        reject_staged(registry, who, _id(id))
        note(operation="stage reject")
        return render.json_response({"ok": True})
    found = view_staged(registry, who, _id(id))
    return render.json_response(shown(found), headers={"Cache-Control": "no-store"})


@_route("/-/stage/{id}/tarball", methods=["GET"])
def staged_version_tarball(id: str) -> Response:
    """Served like a private package's tarball: a short-lived link on AWS, the file here."""
    registry, request = wiring.registry(), _request()
    key = staged_tarball(registry, actor(registry, request), _id(id))
    found = render.stored_tarball(
        registry.blobs, key, registry.settings.tarball_url_ttl, private=True
    )
    if found is None:
        raise NotFoundError(f"The tarball of staged version {id} is missing")
    return found


@_route("/-/stage/{id}/approve", methods=["POST"], content_types=JSON_TYPES)
def approve(id: str) -> Response:
    registry, request = wiring.registry(), _request()
    published = approve_staged(
        registry, actor(registry, request), _id(id), base_url(registry, request)
    )
    note(operation="stage approve")
    package = published.package
    return render.json_response({"ok": True, "id": package.name})


def _id(segment: str) -> str:
    value = params.unquote(segment).lower()
    if not _UUID.fullmatch(value):
        raise NotFoundError(f"No staged version has the id {value}")
    return value


def _number(query: dict[str, str], key: str, default: int) -> int:
    raw = query.get(key)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise InvalidQueryError(f"{key} must be a whole number, not {raw!r}")
    return int(raw)
