"""`npm hook` (libnpmhook's paths). Every route needs a login: hooks are their owner's alone.
Delivery is off the request path (app.py's `hook_worker`, chalicelib/hooks/)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Request, Response

from chalicelib import wiring
from chalicelib.hooks import api
from chalicelib.http import params, render
from chalicelib.http.request import actor
from chalicelib.http.routing import JSON_TYPES, current_request, router

blueprint = Blueprint(__name__)
_route = router(blueprint)


def _request() -> Request:
    return current_request(blueprint)


def _body() -> Any:
    return params.json_body_or_empty(_request().raw_body)


@_route("/-/npm/v1/hooks/hook", methods=["POST"], content_types=JSON_TYPES)
def add_hook() -> Response:
    registry = wiring.registry()
    added = api.add_hook(registry, actor(registry, _request()), _body())
    return render.json_response(added, status=201)


@_route("/-/npm/v1/hooks", methods=["GET"])
def list_hooks() -> Response:
    registry = wiring.registry()
    query = dict(_request().query_params or {})
    return render.json_response(api.list_hooks(registry.hooks, actor(registry, _request()), query))


@_route("/-/npm/v1/hooks/hook/{hook_id}", methods=["GET"])
def get_hook(hook_id: str) -> Response:
    registry = wiring.registry()
    return render.json_response(api.get_hook(registry.hooks, actor(registry, _request()), hook_id))


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
    return render.json_response(
        api.delivery_log(registry.hooks, actor(registry, _request()), hook_id)
    )
