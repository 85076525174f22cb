"""The storage ports: what the domain needs from a backend, in npm's words.

Every adapter (DynamoDB + S3, SQLite + files) passes one contract suite (`tests/contract/`).
Concurrency is part of the contract: creates are conditional, package updates compare-and-swap
`rev`, a name@version is written once, and nothing does check-then-act.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

JSON = dict[str, Any]


@dataclass(frozen=True)
class Maintainer:
    name: str
    email: str


@dataclass(frozen=True)
class PackageRecord:
    """The package item: everything about a package except its versions."""

    name: str
    rev: int
    dist_tags: dict[str, str]
    maintainers: tuple[Maintainer, ...]
    access: str  # "public" | "restricted"
    created: str
    modified: str
    # Top-level fields hoisted from the version `latest` points at (description, readme, …).
    meta: JSON = field(default_factory=dict)


@dataclass(frozen=True)
class VersionRecord:
    """One published version: its manifest as served (without `dist.tarball`) and where its
    bytes are."""

    name: str
    version: str
    manifest: JSON
    tarball_key: str
    published: str
    publisher: str
    readme: str = ""


@dataclass(frozen=True)
class UserRecord:
    name: str
    email: str
    password_hash: str
    created: str


@dataclass(frozen=True)
class TokenRecord:
    """A bearer token, stored only as the sha512 hex of its value (npm's token `key`)."""

    key: str
    user: str
    readonly: bool
    created: str
    prefix: str  # the first characters, shown redacted in token lists


@dataclass(frozen=True)
class ScopeRecord:
    scope: str
    owner: str  # a user name now; an org name once orgs exist
    created: str


class PackageStore(Protocol):
    def get_package(self, name: str) -> PackageRecord | None: ...

    def get_version(self, name: str, version: str) -> VersionRecord | None: ...

    def list_versions(self, name: str) -> list[VersionRecord]: ...

    def create_package(self, package: PackageRecord, version: VersionRecord) -> None:
        """Create package and first version at once.

        PackageExistsError if the name is taken, also by a name that differs only by case."""

    def add_version(
        self, package: PackageRecord, version: VersionRecord, expected_rev: int
    ) -> None:
        """Write a new version and the updated package at once. VersionExistsError when the
        version was ever written; ConcurrentModificationError when `rev` moved on."""

    def update_package(self, package: PackageRecord, expected_rev: int) -> None:
        """Replace the package item if its rev is still `expected_rev`."""


class AccountStore(Protocol):
    def create_user(self, user: UserRecord) -> None:
        """Create the user and claim the scope of their name at once; UserExistsError if either
        is taken."""

    def get_user(self, name: str) -> UserRecord | None: ...

    def put_token(self, token: TokenRecord) -> None: ...

    def get_token(self, key: str) -> TokenRecord | None: ...

    def delete_token(self, key: str) -> None: ...

    def get_scope(self, scope: str) -> ScopeRecord | None: ...

    def claim_scope(self, scope: ScopeRecord) -> None:
        """ScopeClaimedError if someone claimed it first."""


class BlobStore(Protocol):
    """Tarballs and rendered documents, by key."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...

    def download_url(self, key: str, expires_in: int) -> str | None:
        """A short-lived URL the client can fetch directly, or None to serve the bytes ourselves."""

    def local_path(self, key: str) -> str | None:
        """A file the local server may stream, or None."""
