"""How an embedded database file comes to the schema of this version of tarbox.

`schema.sql` is the whole schema, every statement IF NOT EXISTS. `MIGRATIONS` is the numbered
list of what schema.sql cannot do to a file that already has the tables: add a column, fill in
data. A file records in `PRAGMA user_version` how many of them it has had (0: none, which is
every file from before versions, and every new one).

Opening a file behind the list runs, in one `BEGIN IMMEDIATE` transaction: schema.sql (so a new
file gets every table and an old one the tables it lacks), then each migration after its
version, in order, then `user_version` set to the last. One that fails rolls it all back, and
two processes opening an old file at once migrate it once (the second finds it done). A file at
the last version costs one read of `user_version`; one from a newer tarbox (further on than the
list) is left as it is.

Every change to the schema takes a migration appended here, as well as its new form in
schema.sql: a file at the last version is not opened against schema.sql again, so a new table or
index reaches released files only through a new number (a migration that does nothing is
enough: schema.sql runs first and adds it). A changed table a released file already has needs a
migration that brings it to the new form (check before changing: schema.sql may have just made
the table in its new form, as `add_column` does). Never edit or reorder a released migration.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources

from chalicelib.storage.codec import new_epoch

Migration = Callable[[sqlite3.Connection], None]


@cache
def schema() -> tuple[str, ...]:
    """The statements of schema.sql, one by one (each with the comments before it)."""
    text = resources.files(__package__).joinpath("schema.sql").read_text(encoding="utf-8")
    statements: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if any(line.strip() and not line.lstrip().startswith("--") for line in current.splitlines()):
        raise ValueError(f"schema.sql ends inside a statement: {current.strip()!r}")
    return tuple(statements)


def add_column(conn: sqlite3.Connection, table: str, column: str, definition: str) -> None:
    """Add the column to the table unless it has it (schema.sql makes new tables with it)."""
    columns = {str(row[1]) for row in conn.execute(f"PRAGMA table_info({table})")}
    if column not in columns:
        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")


def _from_before_versions(conn: sqlite3.Connection) -> None:
    """1: what files from before `user_version` were brought up to date with on every open."""
    add_column(conn, "scopes", "kind", "TEXT NOT NULL DEFAULT 'user'")
    add_column(conn, "changes", "private", "INTEGER NOT NULL DEFAULT 0")
    add_column(conn, "search_entries", "rev", "INTEGER NOT NULL DEFAULT 0")  # old entries: rev 0
    # A file from before the change log: each package it holds gets one change (without events,
    # so no hook hears of the past), in the order they last changed, and is counted once, when
    # the head is made. `tarbox reindex` then finds them all.
    conn.execute(
        "INSERT INTO changes (name, rev, deleted, time, events)"
        " SELECT name, rev, json_extract(doc, '$.tombstone') IS NOT NULL,"
        " json_extract(doc, '$.modified'), '[]' FROM packages"
        " WHERE NOT EXISTS (SELECT 1 FROM change_log)"
        " ORDER BY json_extract(doc, '$.modified'), name"
    )
    # The one-row tables' rows: the log's head (a new log's epoch) and the hooks' cursor.
    conn.execute(
        "INSERT OR IGNORE INTO change_log (id, epoch, doc_count, doc_del_count)"
        " SELECT 1, ?, count(*) - count(json_extract(doc, '$.tombstone')),"
        " count(json_extract(doc, '$.tombstone')) FROM packages",
        (new_epoch(),),
    )
    conn.execute("INSERT OR IGNORE INTO hook_cursor (id, seq) VALUES (1, 0)")


# Numbered from 1 by position: the file's user_version is the number of the last one it had.
MIGRATIONS: tuple[Migration, ...] = (_from_before_versions,)


def version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> None:
    """Bring the file to the last of `migrations`; inside the caller's write transaction."""
    done = version(conn)
    if done >= len(migrations):
        return
    for statement in schema():
        conn.execute(statement)
    for migration in migrations[done:]:
        migration(conn)
    conn.execute(f"PRAGMA user_version = {len(migrations)}")
