"""SigningKeyStore: the key pairs the registry signs versions with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chalicelib.storage.records import KeyRing, SigningKey


class SigningKeyStore(Protocol):
    """The registry's signing keys (Secrets Manager on AWS, the database on the embedded one)."""

    def load(self, *, fresh: bool = False) -> KeyRing:
        """The stored keys; read at most a few minutes ago unless `fresh`."""

    def save(self, keys: Sequence[SigningKey], expected_version: str | None) -> None:
        """Store `keys` if the stored value is still `expected_version` (None: nothing stored
        yet); ConflictError when another writer came first."""
