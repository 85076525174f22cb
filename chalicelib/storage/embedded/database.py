"""The embedded backend's database: one SQLite file in WAL mode, shared by the embedded stores,
with one connection per thread.

Writes run in `BEGIN IMMEDIATE` transactions, so a compare-and-swap is a real one: the rev is
checked and the row replaced while no other writer can run. Constraints (primary keys, the unique
lower-case name) refuse duplicates, so no code path checks and then acts.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chalicelib.storage.codec import new_epoch

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
-- An expression index, so databases from before `list_tokens` need no migration.
CREATE INDEX IF NOT EXISTS tokens_by_user ON tokens (json_extract(doc, '$.user'));
CREATE TABLE IF NOT EXISTS scopes (
    scope TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    created TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'user');  -- "user" | "org"; added by _migrate on older files
CREATE TABLE IF NOT EXISTS dependencies (
    dependency TEXT NOT NULL,
    dependent TEXT NOT NULL,
    version TEXT NOT NULL,
    PRIMARY KEY (dependency, dependent, version));
CREATE TABLE IF NOT EXISTS stars (
    user TEXT NOT NULL, package TEXT NOT NULL, PRIMARY KEY (user, package));
CREATE TABLE IF NOT EXISTS maintainers (
    user TEXT NOT NULL, package TEXT NOT NULL, PRIMARY KEY (user, package));
CREATE TABLE IF NOT EXISTS ephemeral (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    doc TEXT NOT NULL,
    expires REAL NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (kind, key));
CREATE INDEX IF NOT EXISTS ephemeral_by_expiry ON ephemeral (expires);
-- The change log: AUTOINCREMENT, so a seq is never reused, even after the last row goes.
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    rev INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    time TEXT NOT NULL,
    events TEXT NOT NULL,
    private INTEGER NOT NULL DEFAULT 0);
-- The log's one head row: its epoch and the package counts, kept in each write's transaction.
CREATE TABLE IF NOT EXISTS change_log (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch TEXT NOT NULL,
    doc_count INTEGER NOT NULL,
    doc_del_count INTEGER NOT NULL);
"""


_PAIR_TABLES = frozenset({"stars", "maintainers"})


class SqliteDatabase:
    """One SQLite file shared by the embedded stores; a connection per thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connection().executescript(_SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Columns added after a table was first created. Checked and added in one write
        transaction, so two processes opening an old file at once add each column once."""
        with self.transaction() as conn:
            scopes = {str(row[1]) for row in conn.execute("PRAGMA table_info(scopes)")}
            if "kind" not in scopes:
                conn.execute("ALTER TABLE scopes ADD COLUMN kind TEXT NOT NULL DEFAULT 'user'")
            changes = {str(row[1]) for row in conn.execute("PRAGMA table_info(changes)")}
            if "private" not in changes:
                conn.execute("ALTER TABLE changes ADD COLUMN private INTEGER NOT NULL DEFAULT 0")
            # A file from before the change log: each package it holds gets one change (without
            # events, so no hook hears of the past), in the order they last changed, and is
            # counted once, when the head is made. `tarbox reindex` then finds them all.
            conn.execute(
                "INSERT INTO changes (name, rev, deleted, time, events)"
                " SELECT name, rev, json_extract(doc, '$.tombstone') IS NOT NULL,"
                " json_extract(doc, '$.modified'), '[]' FROM packages"
                " WHERE NOT EXISTS (SELECT 1 FROM change_log)"
                " ORDER BY json_extract(doc, '$.modified'), name"
            )
            conn.execute(
                "INSERT OR IGNORE INTO change_log (id, epoch, doc_count, doc_del_count)"
                " SELECT 1, ?, count(*) - count(json_extract(doc, '$.tombstone')),"
                " count(json_extract(doc, '$.tombstone')) FROM packages",
                (new_epoch(),),
            )

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

    def set_pair(self, table: str, user: str, package: str, *, present: bool) -> None:
        """Add or drop one (user, package) row of an index table; idempotent both ways."""
        if table not in _PAIR_TABLES:
            raise ValueError(f"not an index table: {table!r}")
        sql = (
            f"INSERT OR IGNORE INTO {table} (user, package) VALUES (?, ?)"  # noqa: S608 - fixed names
            if present
            else f"DELETE FROM {table} WHERE user = ? AND package = ?"  # noqa: S608
        )
        with self.transaction() as conn:
            conn.execute(sql, (user, package))

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
