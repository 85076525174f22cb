"""An embedded database from before the change log: opening it gives each package one change
(without events, so hooks hear nothing of the past) and counts them, once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from chalicelib.storage.sqlite import SqliteDatabase, SqlitePackageStore


def test_packages_from_before_the_log_are_in_it(tmp_path: Path) -> None:
    path = str(tmp_path / "old.sqlite3")
    SqliteDatabase(path)  # the tables, as a release with the log makes them
    old = sqlite3.connect(path)  # … then made to look like one from before it
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
