"""A SigningKeyStore kept in memory for a few minutes: every packument read needs the current
key's id (it is part of the document's ETag), and none should cost a read of the secret or the
database. A rotation reaches every process within KEY_CACHE_SECONDS, which is why a rotated-in
key waits longer than that before it signs (chalicelib/signatures/keys.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from chalicelib.storage.ports.signing_keys import SigningKeyStore
from chalicelib.storage.records import KeyRing, SigningKey

KEY_CACHE_SECONDS = 300.0


class CachedSigningKeyStore:
    def __init__(self, store: SigningKeyStore, seconds: float = KEY_CACHE_SECONDS) -> None:
        self._store = store
        self._seconds = seconds
        self._lock = threading.Lock()
        self._cached: tuple[float, KeyRing] | None = None

    def load(self, *, fresh: bool = False) -> KeyRing:
        cached = self._cached
        if not fresh and cached is not None and cached[0] > time.monotonic():
            return cached[1]
        ring = self._store.load(fresh=True)
        with self._lock:
            self._cached = (time.monotonic() + self._seconds, ring)
        return ring

    def save(self, keys: Sequence[SigningKey], expected_version: str | None) -> None:
        with self._lock:
            self._cached = None
        self._store.save(keys, expected_version)
