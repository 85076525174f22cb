"""What each `tarbox serve` worker process runs: granian imports this module and calls
`application()` once per worker (its factory mode), after the process has started."""

from __future__ import annotations

import sys

from chalicelib import wiring
from chalicelib.server.rsgi import Limits, RegistryServer

MB = 1024 * 1024


def application() -> RegistryServer:
    from app import app

    # One JSON line per request on stdout (http/observe.py), each whole and in order even when
    # stdout is a pipe or a file.
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]

    settings = wiring.settings()
    max_tarball = settings.max_tarball_bytes
    counter = wiring.download_counter()
    return RegistryServer(
        app,
        Limits(
            # The publish body carries the tarball base64'd (x4/3) plus the manifest and readme.
            max_body_bytes=max_tarball * 4 // 3 + 16 * MB,
            max_tarball_bytes=max_tarball,
            threads=settings.serve_threads,
            # Embedded reads are local files and SQLite; the AWS backend's go over the network.
            inline_hot_reads=settings.backend == "embedded",
        ),
        # Each worker counts its own downloads, flushes them every few seconds from a thread,
        # and once more when granian stops it (SIGINT or SIGTERM to the server).
        on_start=counter.start,
        on_stop=counter.flush,
    )
