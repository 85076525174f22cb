"""Routes for npm hooks (libnpmhook's paths), as a Blueprint. Every route needs a login: hooks
are their owner's alone."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Request, Response

from chalicelib import wiring
from chalicelib.hooks import api
from chalicelib.http import params, render
from chalicelib.http.request import actor
from chalicelib.http.routing import current_request, router

hooks = Blueprint(__name__)
_route = router(hooks)
JSON_TYPES = ["application/json", "text/plain"]


def _request() -> Request:
    return current_request(hooks)


def _body() -> Any:
    raw = _request().raw_body
    return params.json_body(raw) if raw else {}


@_route("/-/npm/v1/hooks/hook", methods=["POST"], content_types=JSON_TYPES)
def add_hook() -> Response:
    registry = wiring.registry()
    added = api.add_hook(registry, actor(registry, _request()), _body())
    return render.json_response(added, status=201)


@_route("/-/npm/v1/hooks", methods=["GET"])
def list_hooks() -> Response:
    registry = wiring.registry()
    query = dict(_request().query_params or {})
    return render.json_response(api.list_hooks(registry, actor(registry, _request()), query))


@_route("/-/npm/v1/hooks/hook/{hook_id}", methods=["GET"])
def get_hook(hook_id: str) -> Response:
    registry = wiring.registry()
    return render.json_response(api.get_hook(registry, actor(registry, _request()), hook_id))


@_route("/-/npm/v1/hooks/hook/{hook_id}", methods=["PUT"], content_types=JSON_TYPES)
def update_hook(hook_id: str) -> Response:
    registry = wiring.registry()
    who = actor(registry, _request())
    return render.json_response(api.update_hook(registry, who, hook_id, _body()))


@_route("/-/npm/v1/hooks/hook/{hook_id}", methods=["DELETE"])
def remove_hook(hook_id: str) -> Response:
    registry = wiring.registry()
    return render.json_response(api.remove_hook(registry, actor(registry, _request()), hook_id))


@_route("/-/npm/v1/hooks/hook/{hook_id}/deliveries", methods=["GET"])
def hook_deliveries(hook_id: str) -> Response:
    registry = wiring.registry()
    return render.json_response(api.delivery_log(registry, actor(registry, _request()), hook_id))
