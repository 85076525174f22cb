"""Failed password attempts, rate-limited per account and per client address.

After too many failures in a window the registry answers 429 with `Retry-After` (npm retries 429
itself, a few times, then shows the message) without checking the password at all, so guessing
costs the attacker the whole window. Counters live in the ephemeral store and expire on their own.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from chalicelib.errors import RateLimitedError
from chalicelib.storage.ports import EphemeralStore

WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_ACCOUNT = 10
MAX_FAILURES_PER_ADDRESS = 30
ACCOUNT, ADDRESS = "login-fail-user", "login-fail-ip"


@dataclass(frozen=True)
class LoginThrottle:
    ephemeral: EphemeralStore
    client_ip: str

    def before(self, name: str) -> None:
        """Refuse at once while the account or the address is over its limit."""
        for kind, key, limit in self._counters(name):
            counter = self.ephemeral.get(kind, key)
            if counter is not None and counter.version >= limit:
                wait = max(1, math.ceil(counter.expires - time.time()))
                raise RateLimitedError(
                    f"Too many failed logins: try again in {wait} seconds", retry_after=wait
                )

    def failed(self, name: str) -> None:
        for kind, key, _ in self._counters(name):
            self.ephemeral.increment(kind, key, WINDOW_SECONDS)

    def _counters(self, name: str) -> list[tuple[str, str, int]]:
        counters = [(ACCOUNT, name, MAX_FAILURES_PER_ACCOUNT)]
        if self.client_ip:
            counters.append((ADDRESS, self.client_ip, MAX_FAILURES_PER_ADDRESS))
        return counters
