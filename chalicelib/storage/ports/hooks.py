"""HookStore: npm hooks, their deliveries and the dispatcher's cursor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from chalicelib.storage.records import DeliveryRecord, HookRecord


class HookStore(Protocol):
    def create_hook(self, hook: HookRecord) -> None:
        """With the owner's list and the index `watching` reads, at once.
        ConcurrentModificationError when a hook with that id exists."""

    def get_hook(self, hook_id: str) -> HookRecord | None: ...

    def replace_hook(self, hook: HookRecord) -> None:
        """A new endpoint or secret (the type and name of a hook never change). A hook that
        is gone stays gone: ConcurrentModificationError."""

    def delete_hook(self, hook_id: str) -> None: ...

    def hooks_of(self, owner: str) -> list[HookRecord]:
        """Oldest first."""

    def watching(self, kind: str, name: str) -> list[HookRecord]:
        """The hooks of `type` kind on `name`."""

    def add_delivery(self, delivery: DeliveryRecord) -> bool:
        """False when a delivery with that id exists (dispatching twice adds nothing)."""

    def due_deliveries(self, now: float, limit: int) -> list[DeliveryRecord]:
        """Pending deliveries whose next attempt is at `now` or before, the longest waiting
        first: a hook whose endpoint keeps failing cannot starve the others."""

    def update_delivery(self, delivery: DeliveryRecord) -> None:
        """Replace if the stored one is at `delivery.version - 1`, else
        ConcurrentModificationError: two workers never both send one delivery."""

    def deliveries_of(self, hook_id: str, limit: int) -> list[DeliveryRecord]:
        """The newest first."""

    def hook_cursor(self) -> int:
        """The last change-log seq dispatched to hooks (0 at first)."""

    def move_hook_cursor(self, old: int, new: int) -> bool:
        """Compare-and-swap; False when another worker moved it first."""

    def all_hooks(self) -> Iterator[HookRecord]:
        """Every hook, in no order: for `tarbox export`."""
