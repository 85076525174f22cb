"""The registry's background round: dispatch new changes to hooks, send due deliveries, refresh
a slice of search, count the downloads in the CDN's new access logs (AWS). `tarbox serve` runs
it every second in one worker process (`chalicelib/server/leader.py`); on AWS it runs in its own
Lambda invocations (app.py's `hook_worker`), never in a request."""

from __future__ import annotations

from chalicelib.downloads.edge_logs import count_edge_downloads
from chalicelib.hooks.deliver import Send, deliver_due, send_http
from chalicelib.hooks.dispatch import DISPATCH_PAGE, dispatch
from chalicelib.registry import Registry
from chalicelib.search.refresh import refresh_slice


def run_hooks_once(registry: Registry, base_url: str, send: Send = send_http) -> None:
    while dispatch(registry, base_url) == DISPATCH_PAGE:
        pass
    deliver_due(registry.hooks, registry.settings, send)


def run_background_once(registry: Registry, base_url: str, send: Send = send_http) -> None:
    """One round of the registry's work off the request path: hooks, then a slice of the
    daily search refresh (`search/refresh.py`), then the CDN's downloads."""
    run_hooks_once(registry, base_url, send)
    refresh_slice(registry)
    count_edge_downloads(registry)
