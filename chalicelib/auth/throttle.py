"""Failed password and one-time-password attempts, rate-limited.

After too many failures in a window the registry answers 429 with `Retry-After` (npm retries 429
itself, a few times, then shows the message) without checking the secret at all, so guessing
costs the attacker the whole window. The strict limit is per account *and* address, so nobody can
lock a user out from elsewhere; looser limits per account and per address stop spreading the
guesses. One-time passwords have their own strict per-account limit: six digits fall to a few
hundred thousand guesses. Counters live in the ephemeral store and expire on their own.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from chalicelib.errors import RateLimitedError
from chalicelib.storage.ports import EphemeralStore

WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS = 10
MAX_FAILURES_PER_ACCOUNT = 100
MAX_FAILURES_PER_ADDRESS = 100
MAX_OTP_FAILURES_PER_ACCOUNT = 10


@dataclass(frozen=True)
class LoginThrottle:
    ephemeral: EphemeralStore
    client_ip: str

    def before(self, name: str) -> None:
        """Refuse at once while a password counter for this account or address is full."""
        self._refuse_if_full(self._password_counters(name), "failed logins")

    def failed(self, name: str) -> None:
        for kind, key, _ in self._password_counters(name):
            self.ephemeral.increment(kind, key, WINDOW_SECONDS)

    def before_otp(self, name: str) -> None:
        self._refuse_if_full(self._otp_counters(name), "wrong one-time passwords")

    def otp_failed(self, name: str) -> None:
        for kind, key, _ in self._otp_counters(name):
            self.ephemeral.increment(kind, key, WINDOW_SECONDS)

    def _refuse_if_full(self, counters: list[tuple[str, str, int]], what: str) -> None:
        for kind, key, limit in counters:
            counter = self.ephemeral.get(kind, key)
            if counter is not None and counter.version >= limit:
                wait = max(1, math.ceil(counter.expires - time.time()))
                raise RateLimitedError(
                    f"Too many {what}: try again in {wait} seconds", retry_after=wait
                )

    def _password_counters(self, name: str) -> list[tuple[str, str, int]]:
        counters = [("login-fail-user", name, MAX_FAILURES_PER_ACCOUNT)]
        if self.client_ip:
            counters.append(
                (
                    "login-fail-user-ip",
                    f"{name}|{self.client_ip}",
                    MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS,
                )
            )
            counters.append(("login-fail-ip", self.client_ip, MAX_FAILURES_PER_ADDRESS))
        return counters

    @staticmethod
    def _otp_counters(name: str) -> list[tuple[str, str, int]]:
        return [("otp-fail-user", name, MAX_OTP_FAILURES_PER_ACCOUNT)]
