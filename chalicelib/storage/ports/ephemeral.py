"""EphemeralStore: short-lived documents (web logins, rate windows, one-time codes)."""

from __future__ import annotations

from typing import Protocol

from chalicelib.storage.records import Expiring


class EphemeralStore(Protocol):
    def put_new(self, item: Expiring) -> None:
        """Create it; ConflictError if a live item with that kind and key exists."""

    def get(self, kind: str, key: str) -> Expiring | None:
        """None when missing or expired."""

    def replace(self, item: Expiring, expected_version: int) -> None:
        """Replace if the live item's version is `expected_version` (item.version must be
        expected_version + 1); else ConcurrentModificationError."""

    def delete(self, kind: str, key: str, expected_version: int | None = None) -> bool:
        """Delete (only if at `expected_version`, when given); True if this call deleted it."""

    def increment(self, kind: str, key: str, window_seconds: float) -> int:
        """Count one event in the window that starts at the first event; return the count so far
        (a new window starts once the old one expired). Atomic."""
