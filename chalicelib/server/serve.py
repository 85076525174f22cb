"""`tarbox serve`: granian in front, worker processes behind.

granian's supervisor (this process) binds the socket and forks `workers` processes, each
running `chalicelib.server.worker:application`. The supervisor stays lean: it checks that the
backend opens, closes it again, and runs nothing else (no thread and no open connection may be
copied into a forked child); the background work runs in one worker (`leader.py`). SIGINT or
SIGTERM stops the workers gracefully (requests in flight finish, download counts are flushed),
then the supervisor.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# An idle or slow client that has not sent its headers by then is dropped: npm sends them at once.
HEADER_READ_TIMEOUT_MS = 10_000
# Requests in flight get this long to finish when the server is told to stop.
STOP_GRACE_SECONDS = 30


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    workers: int
    threads: int | None  # None: TARBOX_SERVE_THREADS, else by backend (server/worker.py)


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


class PortInUseError(SystemExit):
    pass


def check_port(host: str, port: int) -> None:
    """granian binds with SO_REUSEPORT (its workers share the socket), so a second server on a
    taken port would start without a word and the kernel would split connections between two
    registries. A plain bind first fails as any server's would."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortInUseError(f"tarbox: cannot listen on {host}:{port}: {exc.strerror}") from exc


def serve_environment(options: ServeOptions) -> dict[str, str]:
    """The settings `tarbox serve` adds to the operator's: the local server, bound to this
    address, with so many threads, whose workers elect a leader with this lock file."""
    added = {
        "TARBOX_LOCAL_SERVER": "1",
        "TARBOX_BOUND_URL": bound_url(options.host, options.port),
        "TARBOX_LEADER_LOCK": str(Path(tempfile.gettempdir()) / f"tarbox-{os.getpid()}.leader"),
    }
    if options.threads:
        added["TARBOX_SERVE_THREADS"] = str(options.threads)
    return added


def check_backend() -> None:
    """Fail fast: /-/status's checks of each backend before listening, then let go of them and
    of the settings (the workers are processes of their own: they build theirs from the
    environment, as a Lambda does)."""
    from chalicelib import wiring
    from chalicelib.status import status

    code, body = status(wiring.registry())
    wiring.use(None)
    gc.collect()
    if code != 200:
        failed = ", ".join(
            f"{name}: {check['error']}" for name, check in body["checks"].items() if not check["ok"]
        )
        raise SystemExit(f"tarbox: the backend does not answer ({failed})")


STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def _hold_stop_signals() -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)


def _release_stop_signals() -> None:
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def _default_stop_signals() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _release_stop_signals()


def serve(options: ServeOptions, env: Mapping[str, str]) -> None:
    """Serve the registry; `env` is the environment its settings were read from, with
    `serve_environment(options)`."""
    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    # granian's workers are processes of their own, forked or spawned: each imports the app and
    # builds its registry from the environment, as a Lambda does. The environment is how these
    # settings reach them, so here, and only here, tarbox writes to it.
    os.environ.update(env)
    lock = Path(env["TARBOX_LEADER_LOCK"])
    check_port(options.host, options.port)
    check_backend()
    # A forked worker inherits this process's handlers, which only flag the supervisor's copy
    # of its state, and CPython drops any signal a child took before its fork hooks ran: a stop
    # arriving while a worker still starts would be lost, and the worker killed only after
    # STOP_GRACE_SECONDS (seen under load). So the stop signals are held across the fork, and
    # the child lets them in only once they stop it at once (nothing is in flight yet), until
    # granian sets the worker's own handlers.
    os.register_at_fork(
        before=_hold_stop_signals,
        after_in_parent=_release_stop_signals,
        after_in_child=_default_stop_signals,
    )
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
    try:
        server.serve()
    finally:
        lock.unlink(missing_ok=True)
