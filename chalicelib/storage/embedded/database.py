"""The embedded backend's database: one SQLite file in WAL mode, shared by the embedded stores,
with one connection per thread. Its tables are `schema.sql`'s, brought to this version of tarbox
on open (`migrations.py`).

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

from chalicelib.storage.embedded.migrations import MIGRATIONS, migrate, version

_PAIR_TABLES = frozenset({"stars", "maintainers"})


class SqliteDatabase:
    """One SQLite file shared by the embedded stores; a connection per thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        if version(self._connection()) < len(MIGRATIONS):  # else nothing to do: no write lock
            with self.transaction() as conn:
                migrate(conn)

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
