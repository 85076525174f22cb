"""Calling the Chalice app's own route table directly, without building an API Gateway event.

Chalice's LocalGateway (what `chalice local` runs) turns every request into a Lambda event, loops
over every route to find the one that matches, walks a config chain and serialises the answer
back to a Lambda response dict, bodies as text (measured: a third to a half of a small read's
time, docs/performance.md). Here the same `app.routes` table is compiled once into a tree of
path segments, the request object Chalice's views read is built from what the server parsed, the
same middleware chain runs (logging, npm-shaped errors), and the view's `Response` comes back as
it is: stored bytes stay bytes.

Matching follows LocalGateway's RouteMatcher, which is API Gateway's rule: a literal segment wins
over a variable one (`/-/ping` before `/{p1}/{p2}`), and a trailing slash is dropped.
"""

from __future__ import annotations

import itertools
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qs

from chalice.app import (
    CaseInsensitiveMapping,
    Chalice,
    Request,
    Response,
    RestAPIEventHandler,
    _matches_content_type,
)
from chalice.local import CustomLocalChalice, LocalChalice

Captured = dict[str, str]
# Request ids: this process's random prefix and a counter (a uuid4 per request costs a syscall).
_PROCESS = secrets.token_hex(6)
_COUNTER = itertools.count(1)


@dataclass
class _Node:
    """One path segment of the route table: literal children first, then variable ones."""

    literal: dict[str, _Node] = field(default_factory=dict)
    variable: list[tuple[str, _Node]] = field(default_factory=list)
    route: str | None = None  # the route that ends here, as declared ("/{p1}/-/{file}")

    def add(self, parts: list[str], route: str) -> None:
        if not parts:
            self.route = route
            return
        head, rest = parts[0], parts[1:]
        if head.startswith("{") and head.endswith("}"):
            name = head[1:-1]
            for known, child in self.variable:
                if known == name:
                    child.add(rest, route)
                    return
            child = _Node()
            self.variable.append((name, child))
            self.variable.sort(key=lambda pair: pair[0])
            child.add(rest, route)
            return
        self.literal.setdefault(head, _Node()).add(rest, route)

    def find(self, parts: list[str], at: int, captured: Captured) -> str | None:
        if at == len(parts):
            return self.route
        segment = parts[at]
        child = self.literal.get(segment)
        if child is not None:
            found = child.find(parts, at + 1, captured)
            if found is not None:
                return found
        for name, node in self.variable:
            if not segment:
                break  # API Gateway never binds an empty segment to a variable
            found = node.find(parts, at + 1, captured)
            if found is not None:
                captured[name] = segment
                return found
        return None


class RouteTable:
    """`app.routes` compiled into a segment tree, built once."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self._root = _Node()
        for route in routes:
            self._root.add(route.split("/")[1:], route)
        self.routes = routes

    def match(self, path: str) -> tuple[str, Captured] | None:
        if path != "/" and path.endswith("/"):
            path = path[:-1]
        captured: Captured = {}
        route = self._root.find(path.split("/")[1:], 0, captured)
        return None if route is None else (route, captured)


@dataclass(frozen=True)
class Call:
    """What the server parsed of one request."""

    method: str
    path: str  # without the query string
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes | None
    client_ip: str


def make_thread_safe(app: Chalice) -> None:
    """Chalice keeps `current_request` in one attribute of the app; `chalice local` swaps the
    app's class for one whose request is thread-local, and so does this server (writes run in a
    thread pool)."""
    if not isinstance(app, LocalChalice):
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice


@cache
def _is_binary(content_type: str, binary_types: tuple[str, ...]) -> bool:
    return _matches_content_type(content_type, list(binary_types))


class _Handler(RestAPIEventHandler):
    """Chalice's handler, with its per-response binary check answered from a memo: a handful of
    content types and Accept headers, parsed once each instead of three times a request."""

    def _validate_binary_response(
        self, request_headers: CaseInsensitiveMapping, response_headers: CaseInsensitiveMapping
    ) -> bool:
        binary = tuple(self.api.binary_types)
        content_type = response_headers.get("content-type", "application/json")
        if not _is_binary(content_type, binary):
            return True
        accept = request_headers.get("accept")
        return accept is not None and _is_binary(accept, binary)


class Dispatcher:
    """Runs one request through the app's routes and middleware, and hands back the view's
    `Response` (never serialised to a Lambda response)."""

    def __init__(self, app: Chalice) -> None:
        make_thread_safe(app)
        self._app = app
        self.table = RouteTable(app.routes)
        self._middleware: list[Callable[..., Any]] = list(app._get_middleware_handlers("http"))

    def __call__(self, call: Call, route: str, captured: Captured) -> Response:
        event = _event(call, route, captured)
        handler = _Handler(
            self._app.routes,
            self._app.api,
            self._app.log,
            self._app.debug,
            middleware_handlers=self._middleware,
        )
        request = handler.create_request_object(event, None)
        self._app.current_request = request

        def view(_: Request) -> Response:
            return handler._main_rest_api_handler(event, None)

        chain = handler._build_middleware_handlers(
            [handler._global_error_handler, *self._middleware], original_handler=view
        )
        response: Response = chain(request)
        return response


def _event(call: Call, route: str, captured: Captured) -> dict[str, Any]:
    """The part of an API Gateway event that chalice.app.Request reads, and our code with it
    (`context.identity.sourceIp`, `context.path`)."""
    return {
        "multiValueQueryStringParameters": (
            parse_qs(call.query, keep_blank_values=True) if call.query else None
        ),
        "headers": call.headers,
        "pathParameters": captured or None,
        "requestContext": {
            "requestId": f"{_PROCESS}-{next(_COUNTER):x}",
            "httpMethod": call.method,
            "resourcePath": route,
            "path": call.path,
            "identity": {"sourceIp": call.client_ip},
        },
        "body": call.body,
        "isBase64Encoded": False,
        "stageVariables": None,
    }


def body_bytes(response: Response) -> bytes:
    """A view's body as the bytes on the wire (Chalice's own rules: text as UTF-8, anything
    else as compact JSON)."""
    body = response.body
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body, separators=(",", ":")).encode()


def header_list(response: Response) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, value in response.headers.items():
        if isinstance(value, list):  # Chalice's multi-value headers: one line each
            out.extend((name, str(v)) for v in value)
        else:
            out.append((name, str(value)))
    return out
