"""Password hashing with Argon2id (memory-hard), through argon2-cffi.

argon2 (a compiled extension) is imported on the first hash: most requests check a token, not
a password, and a cold start should not load it for them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING

from chalicelib.errors import RateLimitedError

if TYPE_CHECKING:
    from argon2 import PasswordHasher


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    # argon2-cffi's RFC 9106 "low memory" profile: 64 MiB, 3 passes. Lambda-friendly and still
    # memory-hard; the parameters live in each hash, so they can be raised later.
    return PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4)


# A hash takes ~160 ms of a core and 64 MiB, and strangers can ask for them (a sign-up, a guess at
# a name with no account): a process hashes on at most half its cores at once (`tarbox serve` runs
# one process per core, so on two cores one hash each), and everything else keeps the rest.
# Beyond, a request waits its turn a little, then gets 429 (npm retries it).
SLOTS = threading.BoundedSemaphore(max(1, len(os.sched_getaffinity(0)) // 2))
WAIT_SECONDS = 2.0


@contextmanager
def _slot() -> Iterator[None]:
    if not SLOTS.acquire(timeout=WAIT_SECONDS):
        raise RateLimitedError(
            "Too many password checks at once: try again in 1 second", retry_after=1
        )
    try:
        yield
    finally:
        SLOTS.release()


def hash_password(password: str) -> str:
    with _slot():
        return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    with _slot():
        try:
            return _hasher().verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
