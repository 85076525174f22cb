"""Password hashing with Argon2id (memory-hard), through argon2-cffi.

argon2 (a compiled extension) is imported on the first hash: most requests check a token, not
a password, and a cold start should not load it for them.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    # argon2-cffi's RFC 9106 "low memory" profile: 64 MiB, 3 passes. Lambda-friendly and still
    # memory-hard; the parameters live in each hash, so they can be raised later.
    return PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
