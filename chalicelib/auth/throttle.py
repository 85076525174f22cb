"""Password and one-time-password attempts, rate-limited by where they come from.

Each attempt is counted before its secret is checked, atomically (the store's `increment`), and
refused with 429 and `Retry-After` once a counter is over its limit: so 60 guesses sent at once
get 10 checks, not as many as arrive before the first failure is written, and a refused guess
costs no password hash. npm retries a 429 itself a few times, then shows the message.

The counters are per account *and* address, and per address: a stranger elsewhere can never lock
an account (its owner's address has counters of its own), and one address guessing at many
accounts, or at names that have no account, is stopped too. A success clears its account and
address counter, so an owner who mistyped is not held back later. One-time passwords follow the
same rule: a token holder guessing the owner's codes locks only their own address. Counters live
in the ephemeral store and expire on their own.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from chalicelib.errors import RateLimitedError
from chalicelib.storage.ports import EphemeralStore

WINDOW_SECONDS = 15 * 60
MAX_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS = 10
MAX_ATTEMPTS_PER_ADDRESS = 100
MAX_OTP_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS = 10
MAX_OTP_ATTEMPTS_PER_ADDRESS = 100


@dataclass(frozen=True)
class LoginThrottle:
    ephemeral: EphemeralStore
    client_ip: str

    def attempt(self, name: str) -> None:
        """Count a password attempt at `name`; refuse it while a counter is over its limit."""
        self._count("login", name, MAX_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS, MAX_ATTEMPTS_PER_ADDRESS)

    def succeeded(self, name: str) -> None:
        self.ephemeral.delete("login-user-ip", self._pair(name))

    def otp_attempt(self, name: str) -> None:
        per_pair, per_address = (
            MAX_OTP_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS,
            MAX_OTP_ATTEMPTS_PER_ADDRESS,
        )
        self._count("otp", name, per_pair, per_address)

    def otp_succeeded(self, name: str) -> None:
        self.ephemeral.delete("otp-user-ip", self._pair(name))

    def _pair(self, name: str) -> str:
        return f"{name}|{self.client_ip}"

    def _count(self, checked: str, name: str, per_pair: int, per_address: int) -> None:
        counters = [
            (f"{checked}-user-ip", self._pair(name), per_pair),
            (f"{checked}-ip", self.client_ip, per_address),
        ]
        over = [
            (kind, key)
            for kind, key, limit in counters
            if self.ephemeral.increment(kind, key, WINDOW_SECONDS) > limit
        ]
        if not over:
            return
        counter = self.ephemeral.get(*over[0])
        wait = max(1, math.ceil(counter.expires - time.time())) if counter else WINDOW_SECONDS
        what = "failed logins" if checked == "login" else "wrong one-time passwords"
        raise RateLimitedError(f"Too many {what}: try again in {wait} seconds", retry_after=wait)
