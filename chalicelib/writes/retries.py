"""Compare-and-swap updates of a package item, retried when another writer got there first."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from chalicelib.errors import ConcurrentModificationError
from chalicelib.writes.turns import LOSSES_BEFORE_TURN, Turns

MAX_ATTEMPTS = 30
T = TypeVar("T")


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
