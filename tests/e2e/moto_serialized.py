"""moto's server with one request at a time.

moto checks a TransactWriteItems condition and then applies the writes without a lock, so two
concurrent transactions on its threaded server can both pass a compare-and-swap that DynamoDB
itself would refuse to one of them (seen: a lost dist-tag in the parallel-publish scenario).
Serialising requests restores DynamoDB's atomicity; it is the emulator that needs it, not tarbox.
Run as: python -m tests.e2e.moto_serialized HOST PORT
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


def serialized(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    lock = threading.Lock()

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with lock:
            return list(app(environ, start_response))

    return wsgi


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, serialized(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
