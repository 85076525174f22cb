"""One worker process at a time does the registry's background work (hooks, the search
refresh): the one that holds a lock file. The others wait to take over: when the leader exits or
dies, the kernel drops its lock and the next worker to try takes it within seconds.

Why not the supervisor: it forks the workers, and a thread or an open database connection must
not be copied into a child; a lean supervisor also keeps the server's memory down. Deliveries are
claimed by compare-and-swap (hooks/deliver.py), so even two leaders at once would send each
delivery once.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


def lead(lock_path: str, work: Callable[[], None], every: float, retry: float = 5.0) -> None:
    """Start a daemon thread that runs `work` every `every` seconds while this process holds
    the lock at `lock_path`."""

    def run() -> None:
        with open(lock_path, "a+") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    time.sleep(retry)
            while True:
                try:
                    work()
                except Exception:  # the thread must outlive any one round: try again next time
                    logger.exception("background: a round failed")
                time.sleep(every)

    threading.Thread(target=run, name="leader", daemon=True).start()
