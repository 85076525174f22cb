"""One JSON line per request, metrics, and traces when asked: a Chalice middleware, so Lambda and
the local server log the very same lines.

The line (powertools Logger): request id, method, route, path (secrets redacted), package,
actor, status, latency, `npm-command`, user agent, the error class of a refusal, cold start.
Metrics (CloudWatch EMF, on Lambda only: the runtime ships them from the log): publishes,
packument reads (installs), tarball downloads, logins, errors by class, latency, and how the
read-through cache answered. The Tracer is
created only when `TARBOX_TRACING=on`: building one costs ~0.3 s of cold start (X-Ray's SDK).
Routes and helpers add what only they know (`note(actor=…, operation=…)`).
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from chalice.app import Request, Response

from chalicelib import wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.logging import Logger
    from aws_lambda_powertools.metrics import Metrics

_fields: ContextVar[dict[str, Any] | None] = ContextVar("tarbox_request_fields", default=None)
_state = {"cold": True}

# Paths whose last segment is a secret (a token, a login session): never written to a log.
SECRET_PATHS = ("/-/user/token/", "/-/npm/v1/tokens/token/", "/-/v1/done/", "/-/v1/login/page/")
# What an operation counts as, when it succeeded.
OPERATION_METRICS = {
    "publish": "Publishes",
    "install": "PackumentReads",
    "tarball": "TarballDownloads",
    "login": "Logins",
}

# How the read-through cache answered (upstream/counts.py), as a metric.
CACHE_METRICS = {
    "hit": "UpstreamHits",
    "miss": "UpstreamMisses",
    "revalidated": "UpstreamRevalidated",
    "stale": "UpstreamStale",
    "error": "UpstreamErrors",
}


def note(**fields: Any) -> None:
    """Add fields to this request's line (outside a request, nothing happens)."""
    current = _fields.get()
    if current is not None:
        current.update(fields)


def redacted(path: str) -> str:
    """The path without its secret segment, wherever the route starts: on API Gateway's own
    domain the stage comes first (`/api/-/user/token/…`)."""
    path = path.split("?", 1)[0]
    for prefix in SECRET_PATHS:
        at = path.find(prefix)
        if at >= 0:
            return path[: at + len(prefix)] + "[redacted]"
    return path


@cache
def logger() -> Logger:
    from aws_lambda_powertools.logging import Logger

    return Logger(service="tarbox")


@cache
def metrics() -> Metrics:
    from aws_lambda_powertools.metrics import Metrics

    return Metrics(namespace="tarbox", service="tarbox")


@cache
def tracer() -> Any:
    from aws_lambda_powertools.tracing import Tracer

    return Tracer(service="tarbox")


def observed(event: Request, get_response: Callable[[Request], Response]) -> Response:
    token = _fields.set({})
    started = time.perf_counter()
    try:
        settings = wiring.settings()
        if settings.tracing:
            route = str((event.context or {}).get("resourcePath", event.path))
            with tracer().provider.in_subsegment(f"## {route}"):
                response = get_response(event)
        else:
            response = get_response(event)
        record = request_record(event, response.status_code, started, _fields.get() or {})
        log(record)
        if settings.on_lambda:
            count(record)
        return response
    finally:
        _fields.reset(token)


def request_record(
    event: Request, status: int, started: float, noted: dict[str, Any]
) -> dict[str, Any]:
    context = event.context or {}
    headers: Any = event.headers or {}
    cold, _state["cold"] = _state["cold"], False
    return {
        "request_id": context.get("requestId") or str(uuid.uuid4()),
        "method": event.method,
        "route": context.get("resourcePath"),
        "path": redacted(str(context.get("path") or event.path)),
        "package": _package(event),
        "actor": noted.get("actor"),
        "operation": noted.get("operation"),
        "document": noted.get("document"),  # which packument a read was answered: npm's choice
        "cache": noted.get("cache"),  # how the read-through cache answered (upstream/counts.py)
        "status": status,
        "error": noted.get("error"),
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
        "npm_command": headers.get("npm-command"),
        "user_agent": headers.get("user-agent"),
        "cold_start": cold,
    }


def adapter_record(
    method: str, path: str, status: int, headers: dict[str, str], started: float
) -> dict[str, Any]:
    """The line for a request the local server's adapter answered without the app."""
    return {
        "request_id": str(uuid.uuid4()),
        "method": method,
        "path": redacted(path),
        "status": status,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
        "npm_command": headers.get("npm-command"),
        "user_agent": headers.get("user-agent"),
    }


def log(record: dict[str, Any]) -> None:
    fields = {k: v for k, v in record.items() if v is not None}
    if wiring.settings().local_server:
        write_line(fields)
    else:
        logger().info("request", extra=fields)


def write_line(fields: dict[str, Any]) -> None:
    """The local server's request line: powertools' keys, written straight to stdout. Its
    formatter costs ~36 µs a line, a tenth of a small read; this costs ~6 µs."""
    line = {
        "level": "INFO",
        "message": "request",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "service": "tarbox",
        **fields,
    }
    sys.stdout.write(json.dumps(line, separators=(",", ":"), default=str) + "\n")


def count(record: dict[str, Any]) -> None:
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    board = metrics()
    status = int(record["status"])
    name = OPERATION_METRICS.get(str(record.get("operation")))
    if name is not None and status < 400:
        board.add_metric(name=name, unit=MetricUnit.Count, value=1)
    cache = record.get("cache")
    if cache is not None:
        board.add_metric(name=CACHE_METRICS[str(cache)], unit=MetricUnit.Count, value=1)
    board.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=record["latency_ms"])
    board.flush_metrics()
    if status >= 400:
        error = str(record.get("error") or f"HTTP{status}")
        with single_metric(
            name="Errors", unit=MetricUnit.Count, value=1, namespace="tarbox"
        ) as metric:
            metric.add_dimension(name="ErrorClass", value=error)


def _package(event: Request) -> str | None:
    from chalicelib.http import params

    uri = event.uri_params or {}
    p1, p2 = uri.get("p1"), uri.get("p2")
    try:
        if p1 and p2 and params.is_literal_scope(p1):
            return params.scoped_name(p1, p2)
        return params.package_name(p1) if p1 else None
    except Exception:
        return None
