"""Turns at writing one package, so that a writer that keeps losing gets through.

Every write of a package reads it, decides, and compare-and-swaps on `rev`. Under sustained
contention a writer slower than the others (a publish reads every version) can lose every race:
the attack run saw 1 publish in 860 refused after 31 attempts. So a writer that has lost
LOSSES_BEFORE_TURN races takes the package's turn, a short-lived item in the ephemeral store;
while anyone holds it, every other writer of the package waits before its next attempt. The
holder then meets only the writers already past their wait, and wins within a round or two.

A turn lasts at most TURN_SECONDS, so a writer that dies holding it delays the others that
long, no more. Writers wait at most DEADLINE_SECONDS in all (API Gateway gives up at 29 s).
"""

from __future__ import annotations

import random
import secrets
import time

from chalicelib.errors import ConcurrentModificationError, ConflictError
from chalicelib.storage.ports.ephemeral import EphemeralStore
from chalicelib.storage.records import Expiring

KIND = "turn"
LOSSES_BEFORE_TURN = 3
TURN_SECONDS = 10.0
DEADLINE_SECONDS = 20.0
_POLL_FIRST, _POLL_MOST = 0.002, 0.05  # seconds between looks at a turn someone holds
_BACKOFF = 0.005  # seconds more after each lost race


class Turns:
    """One writer's view of one package's turns."""

    def __init__(self, ephemeral: EphemeralStore, name: str, *, may_take: bool = True) -> None:
        """`may_take`: False for a writer anyone who may read the package can be (a star): it
        waits its turn like the others but never holds the turn, so it cannot hold them back."""
        self._ephemeral = ephemeral
        self._name = name
        self._may_take = may_take
        self._me = secrets.token_hex(8)
        self._held = False
        self._deadline = time.monotonic() + DEADLINE_SECONDS

    def wait(self) -> None:
        """Return once nobody else holds the turn; ConcurrentModificationError at the deadline."""
        pause = _POLL_FIRST
        while self._others_hold():
            self._sleep(pause)
            pause = min(pause * 2, _POLL_MOST)

    def take(self) -> None:
        """Hold the turn (waiting for whoever holds it); ConcurrentModificationError at the
        deadline."""
        if not self._may_take:
            self.back_off(LOSSES_BEFORE_TURN)
            return
        pause = _POLL_FIRST
        while not self._held:
            try:
                turn = Expiring(KIND, self._name, {"holder": self._me}, time.time() + TURN_SECONDS)
                self._ephemeral.put_new(turn)
                self._held = True
            except ConflictError:
                self._sleep(pause)
                pause = min(pause * 2, _POLL_MOST)

    def back_off(self, losses: int) -> None:
        """A pause after the `losses`-th lost race, longer the more were lost."""
        self._sleep(min(_BACKOFF * losses, _POLL_MOST))

    def give_back(self) -> None:
        if not self._held:
            return
        self._held = False
        turn = self._ephemeral.get(KIND, self._name)
        # Still this writer's (a turn held past TURN_SECONDS may be someone else's by now).
        if turn is not None and turn.doc.get("holder") == self._me:
            self._ephemeral.delete(KIND, self._name, expected_version=turn.version)

    def _others_hold(self) -> bool:
        if self._held:
            return False
        turn = self._ephemeral.get(KIND, self._name)
        return turn is not None and turn.doc.get("holder") != self._me

    def _sleep(self, pause: float) -> None:
        if time.monotonic() + pause > self._deadline:
            raise ConcurrentModificationError(
                f"{self._name} is being changed by many writers at once; try again"
            )
        time.sleep(random.uniform(0, pause))  # noqa: S311 - jitter, not crypto
