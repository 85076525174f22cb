"""The local server's background worker: a daemon thread that dispatches new changes to hooks,
sends due deliveries and refreshes a slice of search every second. On AWS the same round runs in
its own Lambda invocations (app.py's `hook_worker`), never in a request."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from chalicelib.hooks.deliver import Send, deliver_due, send_http
from chalicelib.hooks.dispatch import DISPATCH_PAGE, dispatch
from chalicelib.registry import Registry
from chalicelib.search.refresh import refresh_slice

logger = logging.getLogger(__name__)


def run_hooks_once(registry: Registry, base_url: str, send: Send = send_http) -> None:
    while dispatch(registry, base_url) == DISPATCH_PAGE:
        pass
    deliver_due(registry, send)


def run_background_once(registry: Registry, base_url: str, send: Send = send_http) -> None:
    """One round of the registry's work off the request path: hooks, then a slice of the
    daily search refresh (`search/refresh.py`)."""
    run_hooks_once(registry, base_url, send)
    refresh_slice(registry)


def start_worker(registry: Callable[[], Registry], base_url: str, every: float = 1.0) -> None:
    def run() -> None:
        while True:
            try:
                run_background_once(registry(), base_url)
            except Exception:  # the thread must outlive any one round: try again next second
                logger.exception("background: a round failed")
            time.sleep(every)

    threading.Thread(target=run, name="hooks", daemon=True).start()
