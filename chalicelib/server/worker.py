"""What each `tarbox serve` worker process runs: granian imports this module and calls
`application()` once per worker (its factory mode), after the process has started."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable

from chalicelib import wiring
from chalicelib.server.rsgi import Limits, RegistryServer

MB = 1024 * 1024
# glibc's mallopt parameters (malloc.h).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8


def application() -> RegistryServer:
    from app import app

    release = tune_malloc()
    # One JSON line per request on stdout (http/observe.py), each whole and in order even when
    # stdout is a pipe or a file.
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    settings = wiring.settings()
    max_tarball = settings.max_tarball_bytes
    counter = wiring.download_counter()

    def start() -> None:
        # Each worker counts its own downloads and flushes them every few seconds from a
        # thread, and once more when granian stops it (SIGINT or SIGTERM to the server).
        counter.start()
        if settings.leader_lock:
            lead_background_work(settings.leader_lock)

    return RegistryServer(
        app,
        Limits(
            # The publish body carries the tarball base64'd (x4/3) plus the manifest and readme.
            max_body_bytes=max_tarball * 4 // 3 + 16 * MB,
            max_tarball_bytes=max_tarball,
            # Embedded: SQLite takes one writer at a time, so a few threads do (memory: one lock).
            # AWS: every request waits on the network, in a thread.
            threads=settings.serve_threads or (16 if settings.backend == "aws" else 2),
            # Embedded reads are local files and SQLite, memory's are dicts; the AWS backend's go
            # over the network.
            inline_hot_reads=settings.backend != "aws",
        ),
        on_start=start,
        on_stop=counter.flush,
        # A publish renders documents of megabytes; what it freed goes back to the system.
        after_pooled=release,
    )


def lead_background_work(lock_path: str) -> None:
    """Hooks and the search refresh, every second, in whichever worker holds the lock."""
    from chalicelib.hooks.worker import run_background_once
    from chalicelib.server.leader import lead

    settings = wiring.settings()
    # Hook payloads' tarball URLs use the public URL, or the bound one.
    base_url = settings.public_url or settings.bound_url or ""
    lead(lock_path, lambda: run_background_once(wiring.registry(), base_url), every=1.0)


def tune_malloc() -> Callable[[], None]:
    """Keep a worker's memory near what it uses (measured in docs/performance.md):
    - two malloc arenas, not one per thread that allocates (~14 MB each once touched);
    - buffers of 64 kB and more (rendered documents, request bodies) mapped on their own and
      given back when freed, instead of glibc raising that threshold after the first big free;
    - the top of the heap given back once 128 kB of it is free.
    Returns what gives free memory back to the system (malloc_trim), to call after the big
    requests (a write: ~1 ms; not after every read)."""
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    mallopt = getattr(libc, "mallopt", None)
    trim = getattr(libc, "malloc_trim", None)
    if mallopt is None or trim is None:  # not glibc: nothing to tune
        return lambda: None
    mallopt(M_ARENA_MAX, 2)
    mallopt(M_MMAP_THRESHOLD, 64 * 1024)
    mallopt(M_TRIM_THRESHOLD, 128 * 1024)
    return lambda: trim(0)
