"""Password hashing with Argon2id (memory-hard), through argon2-cffi."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


@cache
def _hasher() -> PasswordHasher:
    # argon2-cffi's RFC 9106 "low memory" profile: 64 MiB, 3 passes. Lambda-friendly and still
    # memory-hard; the parameters live in each hash, so they can be raised later.
    return PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
