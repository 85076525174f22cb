"""Compare-and-swap updates of a package item, retried when another writer got there first."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from chalicelib.clock import now_iso
from chalicelib.errors import ConcurrentModificationError
from chalicelib.packuments.turns import LOSSES_BEFORE_TURN, Turns
from chalicelib.storage.ports import PackageRecord

MAX_ATTEMPTS = 30
T = TypeVar("T")


def next_rev(package: PackageRecord, **changes: object) -> PackageRecord:
    """The package as it is after one more mutation: rev and `time.modified` always move."""
    return replace(package, rev=package.rev + 1, modified=now_iso(), **changes)  # type: ignore[arg-type]


def with_retries(attempt: Callable[[], T], turns: Turns | None = None) -> T:
    """Run `attempt` until it does not lose a compare-and-swap race (jittered backoff).

    `turns`: the attempts write one package, whose writers take turns once they keep losing
    (`turns.py`), until a deadline rather than for a number of attempts. Without, give up after
    MAX_ATTEMPTS."""
    if turns is None:
        for n in range(MAX_ATTEMPTS):
            try:
                return attempt()
            except ConcurrentModificationError:
                time.sleep(random.uniform(0, 0.005 * (n + 1)))  # noqa: S311 - jitter, not crypto
        return attempt()
    losses = 0
    try:
        while True:
            turns.wait()
            try:
                return attempt()
            except ConcurrentModificationError:
                losses += 1
                if losses == LOSSES_BEFORE_TURN:
                    turns.take()
                else:
                    turns.back_off(losses)
    finally:
        turns.give_back()
