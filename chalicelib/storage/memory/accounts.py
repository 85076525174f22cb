"""The memory AccountStore: users, tokens (by the hash of their value), scopes (shared with the
org store: one table decides between a user and an org racing for a name) and stars."""

from __future__ import annotations

from collections.abc import Iterator

from chalicelib.errors import ConcurrentModificationError, ScopeClaimedError, UserExistsError
from chalicelib.storage.codec import check_new_updated
from chalicelib.storage.memory.database import MemoryDatabase, copied
from chalicelib.storage.records import ScopeRecord, TokenRecord, UserRecord


class MemoryAccountStore:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    def create_user(self, user: UserRecord) -> None:
        db = self._db
        with db.lock:
            if user.name in db.users or user.name in db.scopes:
                raise UserExistsError(f"User {user.name!r} already exists")
            db.users[user.name] = copied(user)
            db.scopes[user.name] = ScopeRecord(user.name, user.name, user.created, "user")

    def get_user(self, name: str) -> UserRecord | None:
        with self._db.lock:
            return copied(self._db.users.get(name))

    def replace_user(self, user: UserRecord, expected_updated: str) -> None:
        check_new_updated(user, expected_updated)
        with self._db.lock:
            stored = self._db.users.get(user.name)
            if stored is None or stored.updated != expected_updated:
                raise ConcurrentModificationError(
                    f"{user.name} was changed by someone else (expected {expected_updated!r})"
                )
            self._db.users[user.name] = copied(user)

    def list_tokens(self, user: str) -> list[TokenRecord]:
        with self._db.lock:
            found = [t for t in self._db.tokens.values() if t.user == user]
            return copied(sorted(found, key=lambda t: (t.created, t.key)))

    def put_token(self, token: TokenRecord) -> None:
        with self._db.lock:
            self._db.tokens[token.key] = copied(token)

    def get_token(self, key: str) -> TokenRecord | None:
        with self._db.lock:
            return copied(self._db.tokens.get(key))

    def delete_token(self, key: str) -> None:
        with self._db.lock:
            self._db.tokens.pop(key, None)

    def get_scope(self, scope: str) -> ScopeRecord | None:
        with self._db.lock:
            return self._db.scopes.get(scope)  # every field is immutable

    def claim_scope(self, scope: ScopeRecord) -> None:
        with self._db.lock:
            if scope.scope in self._db.scopes:
                raise ScopeClaimedError(f"Scope @{scope.scope} is already claimed")
            self._db.scopes[scope.scope] = scope

    def set_star(self, user: str, package: str, *, starred: bool) -> None:
        stars = self._db.stars
        with self._db.lock:
            if starred:
                stars.setdefault(user, set()).add(package)
            elif user in stars:
                stars[user].discard(package)
                if not stars[user]:
                    del stars[user]

    def starred_by(self, user: str) -> list[str]:
        with self._db.lock:
            return sorted(self._db.stars.get(user, ()))

    def all_users(self) -> Iterator[UserRecord]:
        with self._db.lock:
            users = copied(sorted(self._db.users.values(), key=lambda u: u.name))
        return iter(users)
