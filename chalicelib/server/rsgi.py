"""`tarbox serve`'s application: the Chalice app under granian, over RSGI.

granian (Rust, hyper and tokio) owns the sockets: it reads headers with a deadline, keeps idle
and slow connections without a Python thread, and runs one of these per worker process. Python
sees a request only once its headers are in, and its body is read here asynchronously, counted
against the limit as it arrives: a body over the limit is refused with npm's 413 before more of
it is read, and nothing is ever spooled to disk (server/bodies.py: also a body that stalls, one
cut short, and too many at once).

Hot reads (packuments, version documents, tarballs, ping) run on the worker's event loop thread,
one at a time: a small read is a fraction of a millisecond of Python, and handing it to a
thread costs more than running it (GIL hand-offs: docs/performance.md). Everything else
(publishes hash passwords and render documents) runs in a small thread pool, so a slow write
never holds up the reads behind it. Which views are hot is said where they are declared
(`chalicelib.http.routing.hot`). A hot read that finds it must wait on the network (the
read-through cache's miss) says so before it does anything, and is run again in the pool
(chalicelib/blocking.py). On the AWS backend every read is a network call, so nothing runs on
the loop.

Why RSGI and not granian's WSGI: a WSGI body is read by a blocking `wsgi.input.read()`, so a
client trickling its body would hold a thread; WSGI has no zero-copy file answer either
(`response_file` sends tarballs and big documents from Rust). docs/performance.md has the numbers.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from chalice.app import Chalice, Response

from chalicelib.blocking import MustNotBlock, on_the_loop
from chalicelib.http.observe import adapter_record, log
from chalicelib.http.render import SENDFILE_CONTENT_TYPE, SENDFILE_HEADER, Streamed
from chalicelib.http.routing import is_hot
from chalicelib.server.bodies import BodyReader, BodyRefusedError
from chalicelib.server.dispatch import Call, Dispatcher, body_bytes, header_list
from chalicelib.server.files import SmallFiles

# A request body that sends nothing for this long is refused (408; npm retries those).
BODY_IDLE_SECONDS = 30.0
BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})
# Small files (tarballs, documents) each worker keeps in memory (server/files.py).
SMALL_FILES_BUDGET = 16 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int  # a request body over this is refused before more is read
    max_tarball_bytes: int  # named in the refusal, as npm users know the limit
    threads: int  # per worker, for everything but the hot reads
    inline_hot_reads: bool = True  # run hot reads on the event loop (local reads only)


class RegistryServer:
    """The RSGI application (`__rsgi__`), with granian's per-worker start and stop hooks."""

    def __init__(
        self,
        app: Chalice,
        limits: Limits,
        on_start: Callable[[], None] = lambda: None,
        on_stop: Callable[[], None] = lambda: None,
        after_pooled: Callable[[], None] = lambda: None,
    ) -> None:
        self._dispatch = Dispatcher(app)
        self._bodies = BodyReader(
            max_body_bytes=limits.max_body_bytes,
            max_tarball_bytes=limits.max_tarball_bytes,
            # Two bodies at the limit at once, or 256 MB when the limit is small.
            budget_bytes=max(2 * limits.max_body_bytes, 256 * 1024 * 1024),
            idle_seconds=BODY_IDLE_SECONDS,
        )
        self._pool = ThreadPoolExecutor(limits.threads, thread_name_prefix="tarbox")
        self._inline = limits.inline_hot_reads
        self._files = SmallFiles(SMALL_FILES_BUDGET)
        self._on_start = on_start
        self._on_stop = on_stop
        self._after_pooled = after_pooled

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._on_start()

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._pool.shutdown(wait=True)
        self._on_stop()

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":  # no websockets here
            return
        started = time.perf_counter()
        headers = _headers(scope.headers.items())
        call = Call(
            method=scope.method,
            # granian hands over the path percent-decoded, and the routes decode their segments
            # once more (as they must on API Gateway): a literal % is escaped again, so that
            # `a%2541` stays `a%41` and does not become `aA`.
            path=scope.path.replace("%", "%25"),
            query=scope.query_string,
            headers=headers,
            body=None,
            client_ip=_address(scope.client),
        )
        found = self._dispatch.table.match(call.path)
        if found is None:
            # No route (API Gateway: 403 "Missing Authentication Token"): npm's 404.
            return self._refuse(proto, call, 404, "Not found", started)
        if call.method not in BODYLESS:
            try:
                body = await self._bodies.read(proto, headers)
            except BodyRefusedError as refused:
                return self._refuse(proto, call, refused.status, refused.message, started)
            call = replace(call, body=body)
        route, captured = found
        entry = self._dispatch.table.routes[route].get(call.method)
        # Basic credentials cost a password hash: never on the loop, whatever the route.
        basic = headers.get("authorization", "")[:6].lower() == "basic "
        response = None
        if self._inline and entry is not None and is_hot(entry.view_function) and not basic:
            response = self._on_loop(call, route, captured)
        if response is None:
            loop = asyncio.get_running_loop()
            response = await loop.run_in_executor(self._pool, self._pooled, call, route, captured)
        if isinstance(response, Streamed):
            return await self._stream(proto, call.method, response)
        try:
            _send(proto, call.method, response, self._files)
        except FileNotFoundError:
            # Its file went between the view and the send (a version unpublished meanwhile);
            # the app has logged the request already.
            _error(proto, 404, "Not found")

    def _on_loop(self, call: Call, route: str, captured: dict[str, str]) -> Response | None:
        """The view's answer, or None when it found it must wait on the network first
        (chalicelib/blocking.py): then it goes to the pool."""
        try:
            with on_the_loop():
                return self._dispatch(call, route, captured)
        except MustNotBlock:
            return None

    async def _stream(self, proto: Any, method: str, response: Streamed) -> None:
        """Each chunk is waited for in the pool (it comes from the network) and written from
        the loop. A stream that breaks off ends the body early: the client sees it cut short
        (npm retries), and nothing is kept (upstream/cache.py)."""
        loop = asyncio.get_running_loop()
        chunks = response.chunks
        headers = [_file_header(k, v) for k, v in header_list(response)]
        transport = None
        try:
            if method == "HEAD":
                await loop.run_in_executor(self._pool, _drain, chunks)
                proto.response_empty(response.status_code, headers)
                return
            while (chunk := await loop.run_in_executor(self._pool, next, chunks, None)) is not None:
                if transport is None:
                    transport = proto.response_stream(response.status_code, headers)
                await transport.send_bytes(chunk)
            if transport is None:
                proto.response_bytes(response.status_code, headers, b"")
        except Exception as exc:
            logging.getLogger("tarbox").warning("a streamed answer broke off: %s", exc)
            if transport is None:
                _error(proto, 502, "The upstream registry's answer broke off")
                return
            # Mid-body: the client must see it cut short, not a body that looks whole.
            raise
        finally:
            self._pool.submit(response.close)  # it may wait on the network too

    def _pooled(self, call: Call, route: str, captured: dict[str, str]) -> Response:
        try:
            return self._dispatch(call, route, captured)
        finally:
            self._after_pooled()

    def _refuse(self, proto: Any, call: Call, status: int, message: str, started: float) -> None:
        _error(proto, status, message)
        # The app never saw it: its line is logged here instead.
        log(adapter_record(call.method, call.path, status, call.headers, started))


def _drain(chunks: Iterator[bytes]) -> None:
    # A HEAD still runs the stream to its end: the tarball is kept only once read whole.
    collections.deque(chunks, maxlen=0)


def _error(proto: Any, status: int, message: str) -> None:
    body = json.dumps({"error": message, "message": message}).encode()
    proto.response_bytes(status, [("content-type", "application/json")], body)


def _send(proto: Any, method: str, response: Response, files: SmallFiles) -> None:
    headers = header_list(response)
    status = response.status_code
    sendfile = response.headers.get(SENDFILE_HEADER)
    if sendfile is not None:
        headers = [_file_header(k, v) for k, v in headers if k != SENDFILE_HEADER]
        path = str(sendfile)
        body = files.read(path)
        if body is None:
            if method != "HEAD":
                proto.response_file(status, headers, path)
                return
            length = os.path.getsize(path)
        else:
            length = len(body)
    else:
        body = body_bytes(response)
        length = len(body)
    if method != "HEAD" and status != 304:
        proto.response_bytes(status, headers, body)
        return
    # A HEAD says how long the GET's body is; a 304 has no body at all.
    if method == "HEAD":
        headers.append(("content-length", str(length)))
    proto.response_empty(status, headers)


def _headers(items: list[tuple[str, str]]) -> dict[str, str]:
    """Lower-case names; a header sent more than once is joined with ", ", as WSGI servers do
    (and as HTTP allows for list-valued headers)."""
    headers: dict[str, str] = {}
    for name, value in items:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _file_header(name: str, value: str) -> tuple[str, str]:
    # A tarball's stand-in type kept Chalice from judging the empty body as binary.
    if value == SENDFILE_CONTENT_TYPE:
        return name, "application/octet-stream"
    return name, value


def _address(client: str) -> str:
    """`127.0.0.1:5123` or `[::1]:5123` -> the address alone."""
    host = client.rsplit(":", 1)[0] if ":" in client else client
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host
