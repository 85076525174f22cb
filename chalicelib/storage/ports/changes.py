"""ChangeLog: every write to a package, in order, with a seq (the `_changes` feed, hooks,
search's refresh, mirrors). PackageStore's writes append to it in their own transaction, so an
adapter implements both on one object: a write that fails logs nothing, and a logged change is
always visible in the package."""

from __future__ import annotations

from typing import Protocol

from chalicelib.storage.records import Change, LogHead


class ChangeLog(Protocol):
    def changes_since(self, seq: int, limit: int) -> list[Change]:
        """Up to `limit` changes with a seq above `seq`, in seq order."""

    def log_head(self) -> LogHead:
        """The log's head; seq 0 (and a fresh epoch, kept once anything is written) when the
        log is empty."""
