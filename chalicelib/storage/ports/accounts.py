"""AccountStore: users, tokens, scopes and stars."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from chalicelib.storage.records import ScopeRecord, TokenRecord, UserRecord


class AccountStore(Protocol):
    def create_user(self, user: UserRecord) -> None:
        """Create the user and claim the scope of their name at once; UserExistsError if either
        is taken."""

    def get_user(self, name: str) -> UserRecord | None: ...

    def replace_user(self, user: UserRecord, expected_updated: str) -> None:
        """Replace the user if its `updated` is still `expected_updated`, else
        ConcurrentModificationError. `user.updated` must be new (a fresh timestamp)."""

    def list_tokens(self, user: str) -> list[TokenRecord]: ...

    def put_token(self, token: TokenRecord) -> None: ...

    def get_token(self, key: str) -> TokenRecord | None: ...

    def delete_token(self, key: str) -> None: ...

    def get_scope(self, scope: str) -> ScopeRecord | None: ...

    def claim_scope(self, scope: ScopeRecord) -> None:
        """ScopeClaimedError if someone claimed it first."""

    def set_star(self, user: str, package: str, *, starred: bool) -> None:
        """The index behind `npm stars`; the package item's `users` is the source of truth."""

    def starred_by(self, user: str) -> list[str]: ...

    def all_users(self) -> Iterator[UserRecord]:
        """Every account, in no order: for `tarbox export` (a table scan on DynamoDB). A
        user's scope, tokens and stars are read with the methods above."""
