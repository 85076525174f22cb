"""SqliteAccountStore: tables `users`, `tokens` (indexed on the owner inside the JSON doc),
`scopes` and `stars`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from chalicelib.errors import ConcurrentModificationError, ScopeClaimedError, UserExistsError
from chalicelib.storage.codec import (
    check_new_updated,
    token_from_json,
    token_to_json,
    user_from_json,
    user_to_json,
)
from chalicelib.storage.embedded.database import SqliteDatabase
from chalicelib.storage.records import ScopeRecord, TokenRecord, UserRecord


class SqliteAccountStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def create_user(self, user: UserRecord) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO users (name, doc) VALUES (?, ?)", (user.name, user_to_json(user))
                )
                conn.execute(
                    "INSERT INTO scopes (scope, owner, created, kind) VALUES (?, ?, ?, 'user')",
                    (user.name, user.name, user.created),
                )
        except sqlite3.IntegrityError as exc:
            raise UserExistsError(f"User {user.name!r} already exists") from exc

    def get_user(self, name: str) -> UserRecord | None:
        rows = self._db.read("SELECT doc FROM users WHERE name = ?", (name,))
        return user_from_json(name, str(rows[0][0])) if rows else None

    def replace_user(self, user: UserRecord, expected_updated: str) -> None:
        check_new_updated(user, expected_updated)
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE users SET doc = ? WHERE name = ?"
                " AND coalesce(json_extract(doc, '$.updated'), '') = ?",
                (user_to_json(user), user.name, expected_updated),
            )
        if cursor.rowcount != 1:
            raise ConcurrentModificationError(
                f"{user.name} was changed by someone else (expected {expected_updated!r})"
            )

    def list_tokens(self, user: str) -> list[TokenRecord]:
        rows = self._db.read(
            "SELECT key, doc FROM tokens WHERE json_extract(doc, '$.user') = ?", (user,)
        )
        return sorted(
            (token_from_json(str(key), str(doc)) for key, doc in rows),
            key=lambda t: (t.created, t.key),
        )

    def put_token(self, token: TokenRecord) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO tokens (key, doc) VALUES (?, ?)",
                (token.key, token_to_json(token)),
            )

    def get_token(self, key: str) -> TokenRecord | None:
        rows = self._db.read("SELECT doc FROM tokens WHERE key = ?", (key,))
        return token_from_json(key, str(rows[0][0])) if rows else None

    def delete_token(self, key: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM tokens WHERE key = ?", (key,))

    def get_scope(self, scope: str) -> ScopeRecord | None:
        rows = self._db.read("SELECT owner, created, kind FROM scopes WHERE scope = ?", (scope,))
        if not rows:
            return None
        owner, created, kind = rows[0]
        return ScopeRecord(scope, str(owner), str(created), str(kind or "user"))

    def claim_scope(self, scope: ScopeRecord) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO scopes (scope, owner, created, kind) VALUES (?, ?, ?, ?)",
                    (scope.scope, scope.owner, scope.created, scope.kind),
                )
        except sqlite3.IntegrityError as exc:
            raise ScopeClaimedError(f"Scope @{scope.scope} is already claimed") from exc

    def set_star(self, user: str, package: str, *, starred: bool) -> None:
        self._db.set_pair("stars", user, package, present=starred)

    def starred_by(self, user: str) -> list[str]:
        rows = self._db.read("SELECT package FROM stars WHERE user = ?", (user,))
        return sorted(str(row[0]) for row in rows)

    def all_users(self) -> Iterator[UserRecord]:
        rows = self._db.read("SELECT name, doc FROM users ORDER BY name")
        return (user_from_json(str(name), str(doc)) for name, doc in rows)
