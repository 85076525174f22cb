"""Sending deliveries: POST the payload with `x-npm-signature: sha256=<HMAC-SHA256(secret,
body)>` (npm's header), and retry with backoff until the endpoint answers 2xx.

Each attempt is claimed first (the delivery's version moves on by compare-and-swap), so two
workers never send one delivery at once. Attempts back off from `TARBOX_HOOK_RETRY_SECONDS`
(10 s), doubling, up to an hour;
after MAX_ATTEMPTS the delivery is given up (`failed`). Every attempt is kept in the delivery's
log. An endpoint that hangs costs its own attempt TIMEOUT seconds, on the worker's thread; it
never holds up a publish.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from chalicelib.clock import now_iso
from chalicelib.errors import ConcurrentModificationError
from chalicelib.hooks.endpoints import check_endpoint
from chalicelib.settings import Settings
from chalicelib.storage.ports.hooks import HookStore
from chalicelib.storage.records import DeliveryRecord, HookRecord

MAX_ATTEMPTS = 8
MAX_BACKOFF = 3600.0
TIMEOUT = 5.0
USER_AGENT = "tarbox-hooks"
# url, body, headers, the address to connect to (None: resolve the URL's host) -> HTTP status
Send = Callable[[str, bytes, dict[str, str], str | None], int]


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is the endpoint's answer (a failed attempt), never a second request: it
    could point anywhere, the registry's own network included."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _pinned(connection: type[http.client.HTTPConnection], address: str) -> Any:
    """A connection class that connects to `address`, whatever the URL's host resolves to now;
    TLS still checks the certificate against the host name (SNI)."""

    def make(host: str, **kwargs: Any) -> http.client.HTTPConnection:
        made = connection(host, **kwargs)
        made._create_connection = lambda where, *args, **more: socket.create_connection(  # type: ignore[attr-defined]
            (address, where[1]), *args, **more
        )
        return made

    return make


class _PinnedHTTP(urllib.request.HTTPHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self._address = address

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_pinned(http.client.HTTPConnection, self._address), req)


class _PinnedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self._address = address

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_pinned(http.client.HTTPSConnection, self._address), req)


def send_http(url: str, body: bytes, headers: dict[str, str], address: str | None = None) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    opener = _OPENER
    if address is not None:
        # Straight to the checked address: no proxy from the environment in between.
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            _NoRedirects,
            _PinnedHTTP(address),
            _PinnedHTTPS(address),
        )
    try:
        with opener.open(request, timeout=TIMEOUT) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def deliver_due(
    hooks: HookStore, settings: Settings, send: Send = send_http, limit: int = 50
) -> int:
    """Attempt every pending delivery that is due, a few at once; how many were attempted."""
    due = hooks.due_deliveries(time.time(), limit)
    with ThreadPoolExecutor(max_workers=4) as pool:
        return sum(pool.map(lambda d: _attempt(hooks, settings, d, send), due))


def _attempt(hooks: HookStore, settings: Settings, delivery: DeliveryRecord, send: Send) -> int:
    hook = hooks.get_hook(delivery.hook)
    claimed = _claim(hooks, delivery)
    if claimed is None:
        return 0
    if hook is None:
        _record(hooks, claimed, "failed", {"time": now_iso(), "error": "the hook was removed"})
        return 1
    status, error = _post(settings, hook, claimed, send)
    entry = {"time": now_iso(), "status": status, **({"error": error} if error else {})}
    if 200 <= status < 300:
        _record(hooks, claimed, "delivered", entry)
    elif claimed.attempts >= MAX_ATTEMPTS:
        _record(hooks, claimed, "failed", entry)
    else:
        first = settings.hook_retry_seconds
        backoff = min(first * 2 ** (claimed.attempts - 1), MAX_BACKOFF)
        _record(hooks, claimed, "pending", entry, next_attempt=time.time() + backoff)
    return 1


def _claim(hooks: HookStore, delivery: DeliveryRecord) -> DeliveryRecord | None:
    """Count the attempt and push the next one out by the timeout, so that no other worker
    starts it while this one waits on the endpoint."""
    claimed = replace(
        delivery,
        attempts=delivery.attempts + 1,
        next_attempt=time.time() + TIMEOUT * 4,
        version=delivery.version + 1,
    )
    try:
        hooks.update_delivery(claimed)
    except ConcurrentModificationError:
        return None
    return claimed


def _post(
    settings: Settings, hook: HookRecord, delivery: DeliveryRecord, send: Send
) -> tuple[int, str | None]:
    body = delivery.payload.encode()
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "x-npm-signature": signature(hook.secret, body),
    }
    try:
        allow_private = settings.hook_private_endpoints
        address = check_endpoint(hook.endpoint, allow_private=allow_private)
        return send(hook.endpoint, body, headers, address), None
    except Exception as exc:  # whatever the endpoint did, it is one failed attempt
        return 0, str(getattr(exc, "reason", exc)) or type(exc).__name__


def _record(
    hooks: HookStore,
    delivery: DeliveryRecord,
    status: str,
    entry: dict[str, object],
    next_attempt: float | None = None,
) -> None:
    done = replace(
        delivery,
        status=status,
        log=(*delivery.log, entry),
        next_attempt=next_attempt if next_attempt is not None else delivery.next_attempt,
        version=delivery.version + 1,
    )
    try:
        hooks.update_delivery(done)
    except ConcurrentModificationError:
        # The endpoint took longer than the claim, and another worker took the delivery over:
        # its attempt is the one on record.
        return
