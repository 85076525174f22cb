"""The embedded backend's tables: SQLite in WAL mode, one connection per thread.

Writes run in `BEGIN IMMEDIATE` transactions, so a compare-and-swap is a real one: the rev is
checked and the row replaced while no other writer can run. Constraints (primary keys, the unique
lower-case name) refuse duplicates, so no code path checks and then acts.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chalicelib.errors import (
    ConcurrentModificationError,
    PackageExistsError,
    ScopeClaimedError,
    UserExistsError,
    VersionExistsError,
)
from chalicelib.storage.ports import (
    PackageRecord,
    ScopeRecord,
    TokenRecord,
    UserRecord,
    VersionRecord,
)
from chalicelib.storage.records import package_from_json, package_to_json

_SCHEMA = """
CREATE TABLE IF NOT EXISTS packages (
    name TEXT PRIMARY KEY,
    lower_name TEXT NOT NULL UNIQUE,  -- names differing only by case cannot coexist
    rev INTEGER NOT NULL,
    doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS versions (
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (name, version));
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scopes (
    scope TEXT PRIMARY KEY, owner TEXT NOT NULL, created TEXT NOT NULL);
"""


class SqliteDatabase:
    """One SQLite file shared by the embedded stores; a connection per thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connection().executescript(_SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def read(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        return list(self._connection().execute(sql, params).fetchall())

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def _version_to_json(version: VersionRecord) -> str:
    return json.dumps(
        {
            "manifest": version.manifest,
            "tarball_key": version.tarball_key,
            "published": version.published,
            "publisher": version.publisher,
            "readme": version.readme,
        },
        separators=(",", ":"),
    )


def _version_from_json(name: str, version: str, text: str) -> VersionRecord:
    data = json.loads(text)
    return VersionRecord(name=name, version=version, **data)


class SqlitePackageStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def get_package(self, name: str) -> PackageRecord | None:
        rows = self._db.read("SELECT rev, doc FROM packages WHERE name = ?", (name,))
        if not rows:
            return None
        rev, doc = rows[0]
        return package_from_json(name, int(str(rev)), str(doc))

    def get_version(self, name: str, version: str) -> VersionRecord | None:
        rows = self._db.read(
            "SELECT doc FROM versions WHERE name = ? AND version = ?", (name, version)
        )
        return _version_from_json(name, version, str(rows[0][0])) if rows else None

    def list_versions(self, name: str) -> list[VersionRecord]:
        rows = self._db.read("SELECT version, doc FROM versions WHERE name = ?", (name,))
        return [_version_from_json(name, str(v), str(doc)) for v, doc in rows]

    def create_package(self, package: PackageRecord, version: VersionRecord) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO packages (name, lower_name, rev, doc) VALUES (?, ?, ?, ?)",
                    (package.name, package.name.lower(), package.rev, package_to_json(package)),
                )
                self._insert_version(conn, version)
        except sqlite3.IntegrityError as exc:
            raise PackageExistsError(f"Package {package.name!r} already exists") from exc

    def add_version(
        self, package: PackageRecord, version: VersionRecord, expected_rev: int
    ) -> None:
        with self._db.transaction() as conn:
            try:
                self._insert_version(conn, version)
            except sqlite3.IntegrityError as exc:
                raise VersionExistsError(f"{version.name}@{version.version} exists") from exc
            self._replace_package(conn, package, expected_rev)

    def update_package(self, package: PackageRecord, expected_rev: int) -> None:
        with self._db.transaction() as conn:
            self._replace_package(conn, package, expected_rev)

    @staticmethod
    def _insert_version(conn: sqlite3.Connection, version: VersionRecord) -> None:
        conn.execute(
            "INSERT INTO versions (name, version, doc) VALUES (?, ?, ?)",
            (version.name, version.version, _version_to_json(version)),
        )

    @staticmethod
    def _replace_package(
        conn: sqlite3.Connection, package: PackageRecord, expected_rev: int
    ) -> None:
        cursor = conn.execute(
            "UPDATE packages SET rev = ?, doc = ? WHERE name = ? AND rev = ?",
            (package.rev, package_to_json(package), package.name, expected_rev),
        )
        if cursor.rowcount != 1:
            raise ConcurrentModificationError(
                f"{package.name} was changed by someone else (expected rev {expected_rev})"
            )


class SqliteAccountStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def create_user(self, user: UserRecord) -> None:
        doc = json.dumps(
            {"email": user.email, "password_hash": user.password_hash, "created": user.created}
        )
        try:
            with self._db.transaction() as conn:
                conn.execute("INSERT INTO users (name, doc) VALUES (?, ?)", (user.name, doc))
                conn.execute(
                    "INSERT INTO scopes (scope, owner, created) VALUES (?, ?, ?)",
                    (user.name, user.name, user.created),
                )
        except sqlite3.IntegrityError as exc:
            raise UserExistsError(f"User {user.name!r} already exists") from exc

    def get_user(self, name: str) -> UserRecord | None:
        rows = self._db.read("SELECT doc FROM users WHERE name = ?", (name,))
        return UserRecord(name=name, **json.loads(str(rows[0][0]))) if rows else None

    def put_token(self, token: TokenRecord) -> None:
        doc = json.dumps(
            {
                "user": token.user,
                "readonly": token.readonly,
                "created": token.created,
                "prefix": token.prefix,
            }
        )
        with self._db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO tokens (key, doc) VALUES (?, ?)", (token.key, doc))

    def get_token(self, key: str) -> TokenRecord | None:
        rows = self._db.read("SELECT doc FROM tokens WHERE key = ?", (key,))
        return TokenRecord(key=key, **json.loads(str(rows[0][0]))) if rows else None

    def delete_token(self, key: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM tokens WHERE key = ?", (key,))

    def get_scope(self, scope: str) -> ScopeRecord | None:
        rows = self._db.read("SELECT owner, created FROM scopes WHERE scope = ?", (scope,))
        return ScopeRecord(scope, str(rows[0][0]), str(rows[0][1])) if rows else None

    def claim_scope(self, scope: ScopeRecord) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO scopes (scope, owner, created) VALUES (?, ?, ?)",
                    (scope.scope, scope.owner, scope.created),
                )
        except sqlite3.IntegrityError as exc:
            raise ScopeClaimedError(f"Scope @{scope.scope} is already claimed") from exc
