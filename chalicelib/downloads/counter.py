"""Counting tarball downloads without a write per download.

Each process keeps the counts in memory and adds them to the store in one batch: when the
oldest uncounted download is `flush_seconds` old, or when `max_keys` distinct (package, version,
day) keys wait, whichever comes first, and when the process stops. The local server also
flushes from a background thread, so counts land even when no download comes along; on Lambda
the request that crosses a threshold flushes (one request in many pays for the batch), and a
container that is reclaimed loses at most `flush_seconds` of its counts: the counts are
statistics, as npm's are, not a ledger.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from chalicelib.storage.ports.downloads import DownloadStore

ALL = "*"  # the registry's total: no package can be named "*"
logger = logging.getLogger(__name__)
Key = tuple[str, str, str]  # package, version, day (YYYY-MM-DD, UTC)


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


class DownloadCounter:
    def __init__(
        self,
        store: DownloadStore,
        flush_seconds: float,
        max_keys: int = 500,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._flush_seconds = flush_seconds
        self._max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: Counter[Key] = Counter()
        self._oldest: float | None = None
        self._thread: threading.Thread | None = None

    def record(self, package: str, version: str, *, public: bool = True) -> None:
        """`public`: the download counts toward the registry's total, which anyone may read (a
        private package's downloads must not show there)."""
        day = today()
        with self._lock:
            self._counts[(package, version, day)] += 1
            if public:
                self._counts[(ALL, "", day)] += 1
            if self._oldest is None:
                self._oldest = self._clock()
            due = len(self._counts) >= self._max_keys or self._is_old()
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            taken, self._counts = self._counts, Counter()
            self._oldest = None
        if not taken:
            return
        try:
            self._store.add_counts(dict(taken))
        except Exception as exc:
            logger.warning("download counts not stored yet: %s", exc)
            with self._lock:
                self._counts.update(taken)
                self._oldest = self._oldest or self._clock()

    def start(self) -> None:
        """Flush every `flush_seconds` from a daemon thread (the local server)."""
        if self._thread is not None:
            return

        def run() -> None:
            while True:
                time.sleep(max(self._flush_seconds, 0.1))
                self.flush()

        self._thread = threading.Thread(target=run, name="download-counts", daemon=True)
        self._thread.start()

    def _is_old(self) -> bool:
        return self._oldest is not None and self._clock() - self._oldest >= self._flush_seconds
