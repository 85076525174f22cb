"""Helpers shared by the contract tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest


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


def serialize_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let moto answer one request at a time, as one DynamoDB would serialize them.

    moto's TransactWriteItems is not atomic across threads: it deep-copies the table, writes,
    and on a failed condition restores the copy, which also erases writes that other threads
    committed in between. Real DynamoDB does not lose those writes, so the concurrency cases
    would test moto rather than our adapter. This patches moto (a third-party fake), not our code.
    """
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.RLock()
    original: Callable[..., Any] = BotocoreStubber.__call__

    def locked(self: BotocoreStubber, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", locked)
