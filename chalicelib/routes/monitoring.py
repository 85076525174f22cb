"""The monitoring endpoints every deployment has: `/-/ping` (npm ping) and `/-/status` (version,
commit, uptime and a check of each backend: chalicelib/status.py)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import status as health
from chalicelib import wiring
from chalicelib.http import render
from chalicelib.http.routing import READ, router

blueprint = Blueprint(__name__)
_route = router(blueprint)


@_route("/-/ping", methods=READ, hot=True)
def ping() -> Response:
    return render.json_response({})


@_route("/-/status", methods=READ)
def status() -> Response:
    code, body = health.status(wiring.registry())
    return render.json_response(body, status=code)
