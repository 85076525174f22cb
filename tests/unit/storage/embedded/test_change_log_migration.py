"""An embedded database from before the change log: opening it gives each package one change
(without events, so hooks hear nothing of the past) and counts them, once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from chalicelib.storage.embedded.database import SqliteDatabase
from chalicelib.storage.embedded.packages import SqlitePackageStore


def test_packages_from_before_the_log_are_in_it(tmp_path: Path) -> None:
    path = str(tmp_path / "old.sqlite3")
    SqliteDatabase(path)  # the tables, as a release with the log makes them
    old = sqlite3.connect(path)  # … then made to look like one from before it
    old.execute("PRAGMA user_version = 0")  # (from before versions, too)
    old.execute("DELETE FROM change_log")
    old.execute("INSERT INTO packages VALUES ('live', 'live', 3, '{\"modified\": \"2020-02-01\"}')")
    old.execute(
        "INSERT INTO packages VALUES ('gone', 'gone', 2,"
        ' \'{"modified": "2020-01-01", "tombstone": {"time": "2020-01-01"}}\')'
    )
    old.commit()
    old.close()

    store = SqlitePackageStore(SqliteDatabase(path))
    changes = store.changes_since(0, 10)
    assert [(c.name, c.rev, c.deleted, c.events) for c in changes] == [
        ("gone", 2, True, ()),
        ("live", 3, False, ()),
    ]
    head = store.log_head()
    assert (head.seq, head.doc_count, head.doc_del_count) == (2, 1, 1)
    again = SqlitePackageStore(SqliteDatabase(path))  # opened again: nothing added twice
    assert again.log_head().seq == 2


def test_a_log_from_before_private_changes_gains_the_column(tmp_path: Path) -> None:
    path = str(tmp_path / "old.sqlite3")
    store = SqlitePackageStore(SqliteDatabase(path))
    old = sqlite3.connect(path)
    old.execute("PRAGMA user_version = 0")  # a release before `private` (and before versions)
    old.execute("DROP TABLE changes")  # made the table without it
    old.execute(
        "CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,"
        " rev INTEGER NOT NULL, deleted INTEGER NOT NULL, time TEXT NOT NULL,"
        " events TEXT NOT NULL)"
    )
    old.execute(
        "INSERT INTO changes (name, rev, deleted, time, events) VALUES ('a', 1, 0, 't', '[]')"
    )
    old.commit()
    old.close()

    store = SqlitePackageStore(SqliteDatabase(path))
    SqliteDatabase(path)  # opened again: the column is not added twice

    assert [(c.name, c.private) for c in store.changes_since(0, 10)] == [("a", False)]
