"""Helpers shared by the contract tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Clock:
    """A clock the ephemeral stores read instead of time.time(), so tests can move time on.

    It starts on a whole second, so moving it by whole seconds is exact float arithmetic."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def run_threads(count: int, target: Callable[[int], None]) -> list[BaseException]:
    """Run target(0) … target(count - 1) at once, in threads; what they raised."""
    failures: list[BaseException] = []
    start = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            start.wait()
            target(i)
        except BaseException as exc:  # reported to the test thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return failures
