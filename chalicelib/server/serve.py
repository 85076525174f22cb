"""`tarbox serve`: granian in front, worker processes behind, background work in the supervisor.

granian's supervisor (this process) binds the socket and starts `workers` processes, each running
`chalicelib.server.worker:application`. Workers are started with `spawn`, not `fork`: the
supervisor runs the hooks thread and has opened the database to check it, and neither a thread
nor an open SQLite connection may be copied into a child. SIGINT or SIGTERM stops the workers
gracefully (requests in flight finish, download counts are flushed), then the supervisor.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from dataclasses import dataclass

# An idle or slow client that has not sent its headers by then is dropped: npm sends them at once.
HEADER_READ_TIMEOUT_MS = 10_000
# Requests in flight get this long to finish when the server is told to stop.
STOP_GRACE_SECONDS = 30


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    workers: int
    threads: int


def default_workers() -> int:
    """One per CPU this process may run on."""
    return max(1, len(os.sched_getaffinity(0)))


def bound_url(host: str, port: int) -> str:
    """The URL of the bound address, the registry's default public URL. A wildcard address is
    no URL anyone can use: 127.0.0.1 (set TARBOX_PUBLIC_URL for other machines)."""
    if host in ("0.0.0.0", "", "::"):  # noqa: S104 - naming the wildcard, not binding it
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def serve(options: ServeOptions) -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    from chalicelib import wiring
    from chalicelib.hooks.worker import start_worker

    os.environ["TARBOX_BOUND_URL"] = bound_url(options.host, options.port)
    os.environ["TARBOX_SERVE_THREADS"] = str(options.threads)
    wiring.reset()
    settings = wiring.settings()
    wiring.registry()  # fail fast: open the database or reach the backend before listening
    # Hooks are delivered from this thread, never from a request (a hanging endpoint must not
    # slow a publish); their payloads' tarball URLs use the public URL, or the bound one.
    start_worker(wiring.registry, settings.public_url or os.environ["TARBOX_BOUND_URL"])
    # glibc gives each thread that allocates its own malloc arena (~14 MB each once touched);
    # two per worker keep the writes' threads from multiplying RSS (docs/performance.md:
    # 158 -> 99 MB after the same reads, no change in throughput). Read when a worker starts.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    multiprocessing.set_start_method("spawn", force=True)
    logging.getLogger("_granian").setLevel(logging.WARNING)
    server = Granian(
        "chalicelib.server.worker:application",
        address=options.host,
        port=options.port,
        interface=Interfaces.RSGI,
        factory=True,
        workers=options.workers,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_READ_TIMEOUT_MS),
        websockets=False,
        log_level=LogLevels.warning,
        workers_kill_timeout=STOP_GRACE_SECONDS,
        respawn_failed_workers=True,
    )
    server.serve()
