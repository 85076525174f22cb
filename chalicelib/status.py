"""`/-/status`: what is running (version, commit, uptime, backend) and whether each backend
answers. The same on every deployment, Lambda or `tarbox serve`: one cheap read per store,
and with an upstream configured one more per count of the day (upstream/counts.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from chalicelib import __version__
from chalicelib.downloads.counter import today
from chalicelib.errors import RegistryError
from chalicelib.registry import Registry
from chalicelib.upstream.counts import counts_today

STARTED = time.monotonic()
# Names nothing can have: npm names never start with "-", blob keys never with "status/".
PROBE_PACKAGE = "-status-probe"
PROBE_BLOB = "status/probe"


def status(registry: Registry) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body): 200 when every backend answers, else 503."""
    probes: dict[str, Callable[[], object]] = {
        "metadata": lambda: registry.packages.get_package(PROBE_PACKAGE),
        "blobs": lambda: registry.blobs.get(PROBE_BLOB),
    }
    checks = {name: _check(probe) for name, probe in probes.items()}
    healthy = all(check["ok"] for check in checks.values())
    body: dict[str, Any] = {
        "status": "ok" if healthy else "degraded",
        "version": __version__,
        "commit": registry.settings.commit,
        "backend": registry.settings.backend,
        "uptime_seconds": round(time.monotonic() - STARTED, 1),
        "checks": checks,
    }
    if registry.settings.upstreams and healthy:
        # How the read-through cache answered today (UTC), across every process.
        body["upstream"] = {"day": today(), **counts_today(registry.downloads)}
    return (200 if healthy else 503), body


def _check(probe: Callable[[], object]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        probe()
    except RegistryError as exc:
        # The endpoint is public: what failed, not the backend's own words (those are logged).
        logging.getLogger("tarbox").error("status check failed: %s", exc.message)
        return {"ok": False, "error": f"{type(exc).__name__}: did not answer", "ms": _ms(started)}
    return {"ok": True, "ms": _ms(started)}


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
