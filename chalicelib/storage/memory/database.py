"""The memory backend's tables: one `MemoryDatabase` per registry, its dicts and its one lock.

Like the embedded backend's one SQLite file, it is shared by every store, so the account store
and the org store claim scopes in one table, and each write is atomic under the lock (SQLite's
`BEGIN IMMEDIATE`). Reads take the lock too: a dict that another thread is changing is not
safe to iterate.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import TypeVar

from chalicelib.storage.codec import new_epoch
from chalicelib.storage.records import (
    Advisory,
    Change,
    DeliveryRecord,
    Expiring,
    HookRecord,
    OrgRecord,
    PackageRecord,
    PlanRecord,
    Posting,
    ScopeRecord,
    SearchEntry,
    SigningKey,
    StagedVersion,
    SubscriptionRecord,
    TokenRecord,
    TrustedPublisher,
    UserRecord,
    VersionRecord,
)

T = TypeVar("T")


def copied(value: T) -> T:
    """A copy sharing nothing mutable with `value`: what a JSON round trip gives the other
    adapters' callers. Records are frozen, but their dicts and lists are not."""
    return copy.deepcopy(value)


@dataclass
class MemoryDatabase:
    """Every table of the memory backend. Only the stores of this package touch the tables,
    and only while holding `lock`."""

    lock: threading.RLock = field(default_factory=threading.RLock)

    # --- packages: the item, its versions (never deleted: a version is written once), the
    # change log and its head, and the derived indexes.
    packages: dict[str, PackageRecord] = field(default_factory=dict)
    lower_names: dict[str, str] = field(default_factory=dict)  # lower-case name -> name
    versions: dict[str, dict[str, VersionRecord]] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)  # changes[i].seq == i + 1
    epoch: str = field(default_factory=new_epoch)
    doc_count: int = 0
    doc_del_count: int = 0
    dependencies: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # -> (who, ver)
    maintainers: dict[str, set[str]] = field(default_factory=dict)  # user -> packages

    # --- accounts
    users: dict[str, UserRecord] = field(default_factory=dict)
    tokens: dict[str, TokenRecord] = field(default_factory=dict)
    scopes: dict[str, ScopeRecord] = field(default_factory=dict)  # users' and orgs'
    stars: dict[str, set[str]] = field(default_factory=dict)  # user -> packages

    # --- orgs
    orgs: dict[str, OrgRecord] = field(default_factory=dict)
    org_members: dict[str, dict[str, str]] = field(default_factory=dict)  # org -> user -> role
    teams: dict[str, dict[str, str]] = field(default_factory=dict)  # org -> team -> description
    team_members: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    team_grants: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    # --- blobs: key -> (bytes, modified)
    blobs: dict[str, tuple[bytes, float]] = field(default_factory=dict)

    # --- ephemeral: (kind, key) -> item, and when expired items are next swept
    ephemeral: dict[tuple[str, str], Expiring] = field(default_factory=dict)
    next_sweep: float = 0.0

    # --- billing
    plans: dict[str, PlanRecord] = field(default_factory=dict)
    subscriptions: dict[str, SubscriptionRecord] = field(default_factory=dict)

    # --- search: name -> (rev, entry; None once removed at rev), and term -> name -> posting
    search_entries: dict[str, tuple[int, SearchEntry | None]] = field(default_factory=dict)
    search_postings: dict[str, dict[str, Posting]] = field(default_factory=dict)

    # --- downloads: package -> (day, version) -> count
    downloads: dict[str, dict[tuple[str, str], int]] = field(default_factory=dict)

    # --- hooks
    hooks: dict[str, HookRecord] = field(default_factory=dict)
    deliveries: dict[str, DeliveryRecord] = field(default_factory=dict)
    hook_cursor: int = 0

    # --- advisories: package -> id -> advisory
    advisories: dict[str, dict[str, Advisory]] = field(default_factory=dict)

    # --- trusted publishers: package -> publishers, oldest first
    trusted: dict[str, list[TrustedPublisher]] = field(default_factory=dict)

    # --- staged versions: id -> staged (in staging order), and (package, version) -> id
    staged: dict[str, StagedVersion] = field(default_factory=dict)
    staged_ids: dict[tuple[str, str], str] = field(default_factory=dict)

    # --- signing keys: the ring and its version (0: nothing stored)
    signing_keys: tuple[SigningKey, ...] = ()
    signing_keys_version: int = 0
