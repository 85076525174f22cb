"""The local server's hook worker: a daemon thread that dispatches new changes and sends due
deliveries every second. On AWS the same two steps run in their own Lambda invocations (see
app.py's `deliver_hooks`), never in a request."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from chalicelib.hooks.deliver import Send, deliver_due, send_http
from chalicelib.hooks.dispatch import DISPATCH_PAGE, dispatch
from chalicelib.registry import Registry

logger = logging.getLogger(__name__)


def run_hooks_once(registry: Registry, base_url: str, send: Send = send_http) -> None:
    while dispatch(registry, base_url) == DISPATCH_PAGE:
        pass
    deliver_due(registry, send)


def start_worker(registry: Callable[[], Registry], base_url: str, every: float = 1.0) -> None:
    def run() -> None:
        while True:
            try:
                run_hooks_once(registry(), base_url)
            except Exception:  # the thread must outlive any one round: try again next second
                logger.exception("hooks: a round failed")
            time.sleep(every)

    threading.Thread(target=run, name="hooks", daemon=True).start()
