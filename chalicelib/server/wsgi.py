"""A WSGI adapter over Chalice's LocalGateway, served by waitress.

Why not `chalice local`: it is a development server that autoreloads and, with HTTP/1.1
keep-alive, stalls ~45 ms per request on Nagle + delayed ACK (measured in
shared/reference/aws-platform.md §7). waitress sets TCP_NODELAY, runs a thread pool and is pure
Python. Chalice's `current_request` is one attribute shared by all threads unless the app's class
is swapped for `CustomLocalChalice`, whose request is thread-local: `chalice local` does the same.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import CustomLocalChalice, LocalChalice, LocalGateway, LocalGatewayException

from chalicelib.http.observe import adapter_record, log
from chalicelib.http.render import SENDFILE_HEADER
from chalicelib.http.request import CLIENT_IP_HEADER

StartResponse = Callable[..., Any]
ANSWERED_HERE = "x-tarbox-answered-by-adapter"
TOO_LARGE = "Tarball too large for this registry (max {mb:.1f} MB)"


def make_thread_safe(app: Chalice) -> None:
    if not isinstance(app, LocalChalice):
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice


class RegistryWSGI:
    """Translate WSGI requests into LocalGateway calls, and stream tarballs from disk."""

    def __init__(self, app: Chalice, *, max_body_bytes: int, max_tarball_bytes: int) -> None:
        make_thread_safe(app)
        self._gateway = LocalGateway(app, Config(chalice_stage="local"))
        self._max_body = max_body_bytes
        self._max_tarball = max_tarball_bytes

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = environ["REQUEST_METHOD"]
        # PATH_INFO is already percent-decoded (%2f -> /); the registry needs the raw path.
        path = environ.get("REQUEST_URI") or environ.get("RAW_URI") or environ["PATH_INFO"]
        headers = _headers(environ)
        status, out_headers, body = self._respond(environ, method, path, headers)
        if ANSWERED_HERE in out_headers:
            # The app never saw it (too large, or no route): its line is logged here instead.
            del out_headers[ANSWERED_HERE]
            log(adapter_record(method, path, status, headers, started))
        chunks, length = _body(environ, method, out_headers, body)
        out_headers["Content-Length"] = str(length)
        start_response(f"{status} {_reason(status)}", list(out_headers.items()))
        return chunks

    def _respond(
        self, environ: dict[str, Any], method: str, path: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > self._max_body:
            message = TOO_LARGE.format(mb=self._max_tarball / 1024 / 1024)
            return _npm_error(413, message)
        body = environ["wsgi.input"].read(length) if length else None
        try:
            response = self._gateway.handle_request(method, path, headers, body)
        except LocalGatewayException as exc:
            # No route matched (API Gateway: 403 "Missing Authentication Token"): npm-shaped 404.
            return _npm_error(404 if exc.CODE == 403 else exc.CODE, "Not found")
        out = {str(k): str(v) for k, v in (response.get("headers") or {}).items()}
        for key, values in (response.get("multiValueHeaders") or {}).items():
            out[str(key)] = ", ".join(str(v) for v in values)
        raw = response.get("body") or b""
        if response.get("isBase64Encoded"):
            raw = base64.b64decode(raw)
        data = raw.encode() if isinstance(raw, str) else bytes(raw)
        return int(response["statusCode"]), out, data


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    # Chalice's local gateway says every request came from 127.0.0.1; token CIDR lists need the
    # real peer. Whatever a client sent under this name is replaced.
    headers[CLIENT_IP_HEADER] = str(environ.get("REMOTE_ADDR", ""))
    return headers


def _body(
    environ: dict[str, Any], method: str, headers: dict[str, str], body: bytes
) -> tuple[Iterable[bytes], int]:
    sendfile = headers.pop(SENDFILE_HEADER, None)
    if sendfile is not None:
        headers["Content-Type"] = "application/octet-stream"
        size = os.path.getsize(sendfile)
        if method == "HEAD":
            return [], size
        handle = open(sendfile, "rb")  # noqa: SIM115 - closed by the WSGI server
        return environ["wsgi.file_wrapper"](handle, 64 * 1024), size
    return ([] if method == "HEAD" else [body]), len(body)


def _npm_error(status: int, message: str) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"error": message, "message": message}).encode()
    return status, {"Content-Type": "application/json", ANSWERED_HERE: "1"}, body


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
