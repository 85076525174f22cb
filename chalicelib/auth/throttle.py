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

An address is an IPv4 address, or an IPv6 /64: one host is given a whole /64 (RFC 6177) and can
send each guess from another address in it; the /48 around it is counted too, at four times the
limits. IPv4 carried in IPv6 (`::ffff:a.b.c.d`, 6to4, Teredo) is the IPv4 (`sources`).
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass

from chalicelib.errors import RateLimitedError
from chalicelib.storage.ports.ephemeral import EphemeralStore

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
        for suffix, network, _ in sources(self.client_ip):
            self.ephemeral.delete(f"login-user-ip{suffix}", f"{name}|{network}")

    def otp_attempt(self, name: str) -> None:
        per_pair, per_address = (
            MAX_OTP_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS,
            MAX_OTP_ATTEMPTS_PER_ADDRESS,
        )
        self._count("otp", name, per_pair, per_address)

    def otp_succeeded(self, name: str) -> None:
        for suffix, network, _ in sources(self.client_ip):
            self.ephemeral.delete(f"otp-user-ip{suffix}", f"{name}|{network}")

    def _count(self, checked: str, name: str, per_pair: int, per_address: int) -> None:
        counters = [
            counter
            for suffix, network, scale in sources(self.client_ip)
            for counter in (
                (f"{checked}-user-ip{suffix}", f"{name}|{network}", per_pair * scale),
                (f"{checked}-ip{suffix}", network, per_address * scale),
            )
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


def sources(client_ip: str) -> list[tuple[str, str, int]]:
    """What attempts from `client_ip` are counted by, as (kind suffix, key, limit scale): the
    IPv4 address; or the IPv6 /64 and, at four times its limits, the /48 it is in (one site's
    allocation, RFC 6177: a tunnel broker hands out a /48 for free). IPv4 carried in IPv6
    (`::ffff:a.b.c.d`, 6to4, Teredo) is the IPv4: everyone has a 6to4 /48 for each address."""
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return [("", client_ip, 1)]  # not an address (a test client's): counted as given
    if isinstance(address, ipaddress.IPv6Address):
        carried = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if carried is None:
            return [
                ("", str(ipaddress.ip_network(f"{address}/64", strict=False)), 1),
                ("-48", str(ipaddress.ip_network(f"{address}/48", strict=False)), 4),
            ]
        address = carried
    return [("", str(address), 1)]
