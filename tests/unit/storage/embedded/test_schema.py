"""The embedded database's schema (`schema.sql`) and how files come to it (`migrations.py`): a new
file, a file made before versions, an older one still, and the migration mechanism itself."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from chalicelib.storage.embedded.accounts import SqliteAccountStore
from chalicelib.storage.embedded.database import SqliteDatabase
from chalicelib.storage.embedded.hooks import SqliteHookStore
from chalicelib.storage.embedded.migrations import MIGRATIONS, migrate, schema, version
from chalicelib.storage.embedded.packages import SqlitePackageStore
from chalicelib.storage.embedded.search import SqliteSearchStore

ROOT = Path(__file__).resolve().parents[4]
EMBEDDED = ROOT / "chalicelib" / "storage" / "embedded"
BEFORE_VERSIONS = ROOT / "tests" / "fixtures" / "sqlite_before_versions.sql"
T0 = "2024-01-02T03:04:05.678Z"
LAST = len(MIGRATIONS)


def _structure(path: Path) -> dict[str, object]:
    """Every table and index of the file as SQLite describes them (columns, types, defaults,
    keys, indexes, WITHOUT ROWID), whatever the text that made them."""
    conn = sqlite3.connect(path)
    found: dict[str, object] = {}
    for kind, name in conn.execute(
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%'"
    ):
        if kind == "table":
            indexes = {
                row[1]: (row[2:], conn.execute(f"PRAGMA index_xinfo({row[1]})").fetchall())
                for row in conn.execute(f"PRAGMA index_list({name})")
            }
            columns = conn.execute(f"PRAGMA table_xinfo({name})").fetchall()
            found[name] = (columns, sorted(indexes.items()))
        else:
            found[name] = kind
    found["table_list"] = sorted(conn.execute("PRAGMA table_list").fetchall())
    conn.close()
    return found


def _raw(path: Path, script: str) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(script)
    conn.commit()
    conn.close()


def _user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return version(conn)
    finally:
        conn.close()


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    path = tmp_path / "fresh.sqlite3"
    SqliteDatabase(str(path))
    return path


def test_a_new_file_has_every_table_of_schema_sql_at_the_last_version(fresh: Path) -> None:
    made = {m.group(1) for s in schema() for m in [re.search(r"EXISTS (\w+)", s)] if m}
    conn = sqlite3.connect(fresh)
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert made <= names
    assert {"packages", "search_postings", "hook_cursor", "signing_keys"} <= made
    assert version(conn) == LAST
    assert conn.execute("SELECT id, seq FROM hook_cursor").fetchall() == [(1, 0)]
    assert conn.execute("SELECT doc_count, doc_del_count FROM change_log").fetchall() == [(0, 0)]


def test_a_file_from_before_versions_opens_with_its_data_as_it_was(
    tmp_path: Path, fresh: Path
) -> None:
    # A file as the release before `user_version` made it, with a package, its change, a user,
    # a token, the log's head and the hooks' cursor moved on.
    path = tmp_path / "old.sqlite3"
    doc = {
        "dist_tags": {"latest": "1.0.0"},
        "maintainers": [{"name": "alice", "email": "a@example.com"}],
        "access": "public",
        "created": T0,
        "modified": T0,
        "meta": {},
    }
    _raw(
        path,
        BEFORE_VERSIONS.read_text()
        + f"""
        INSERT INTO packages VALUES ('foo', 'foo', 1, '{json.dumps(doc)}');
        INSERT INTO changes (name, rev, deleted, time, events) VALUES ('foo', 1, 0, '{T0}', '[]');
        INSERT INTO change_log VALUES (1, 'cafe0001', 1, 0);
        INSERT INTO hook_cursor VALUES (1, 1);
        INSERT INTO users VALUES ('alice', '{{"email": "a@x", "password_hash": "h",
            "created": "{T0}"}}');
        INSERT INTO scopes VALUES ('alice', 'alice', '{T0}', 'user');
        """,
    )
    assert _user_version(path) == 0

    db = SqliteDatabase(str(path))

    assert _user_version(path) == LAST
    assert _structure(path) == _structure(fresh)
    packages = SqlitePackageStore(db)
    head = packages.log_head()
    assert (head.seq, head.epoch, head.doc_count, head.doc_del_count) == (1, "cafe0001", 1, 0)
    assert [(c.name, c.rev) for c in packages.changes_since(0, 10)] == [("foo", 1)]
    package = packages.get_package("foo")
    assert package is not None
    assert package.dist_tags == {"latest": "1.0.0"}
    assert SqliteHookStore(db).hook_cursor() == 1
    user = SqliteAccountStore(db).get_user("alice")
    assert user is not None
    assert user.email == "a@x"


def test_an_older_file_gains_the_tables_and_columns_it_lacks(tmp_path: Path, fresh: Path) -> None:
    # Older still: before orgs, hooks, search revisions, the change log and scope kinds.
    path = tmp_path / "older.sqlite3"
    _raw(
        path,
        """
        CREATE TABLE packages (name TEXT PRIMARY KEY, lower_name TEXT NOT NULL UNIQUE,
            rev INTEGER NOT NULL, doc TEXT NOT NULL);
        CREATE TABLE scopes (scope TEXT PRIMARY KEY, owner TEXT NOT NULL, created TEXT NOT NULL);
        CREATE TABLE search_entries (name TEXT PRIMARY KEY, doc TEXT NOT NULL,
            terms TEXT NOT NULL, rank REAL NOT NULL, access TEXT NOT NULL);
        INSERT INTO packages VALUES ('foo', 'foo', 2, '{"modified": "2020-01-01"}');
        INSERT INTO scopes VALUES ('alice', 'alice', '2020-01-01');
        INSERT INTO search_entries VALUES ('foo', '{}', '{"w": 1.0}', 0.5, 'public');
        """,
    )

    db = SqliteDatabase(str(path))

    assert _structure(path) == _structure(fresh)
    assert [(c.name, c.rev) for c in SqlitePackageStore(db).changes_since(0, 10)] == [("foo", 2)]
    scope = SqliteAccountStore(db).get_scope("alice")
    assert scope is not None
    assert scope.kind == "user"
    assert SqliteSearchStore(db).entries(["foo"])["foo"].rev == 0


def test_a_file_at_the_last_version_is_not_migrated_again(fresh: Path) -> None:
    conn = sqlite3.connect(fresh)
    conn.execute("DELETE FROM change_log")  # migration 1 would put a head back
    conn.commit()
    conn.close()

    SqliteDatabase(str(fresh))

    conn = sqlite3.connect(fresh)
    assert conn.execute("SELECT count(*) FROM change_log").fetchone() == (0,)


def test_a_file_from_a_newer_tarbox_is_left_as_it_is(fresh: Path) -> None:
    conn = sqlite3.connect(fresh)
    conn.execute(f"PRAGMA user_version = {LAST + 5}")
    conn.commit()
    conn.close()

    SqliteDatabase(str(fresh))

    assert _user_version(fresh) == LAST + 5


def test_migrations_after_the_files_version_run_once_in_order(fresh: Path) -> None:
    ran: list[str] = []
    migrations = [
        *MIGRATIONS,
        lambda conn: ran.append("second"),
        lambda conn: ran.append("third"),
    ]
    db = SqliteDatabase(str(fresh))

    with db.transaction() as conn:
        migrate(conn, migrations)
    with db.transaction() as conn:
        migrate(conn, migrations)

    assert ran == ["second", "third"]
    assert _user_version(fresh) == LAST + 2


def test_a_failed_migration_leaves_the_file_as_it_was(fresh: Path) -> None:
    def add_table(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half (id INTEGER)")

    def fail(conn: sqlite3.Connection) -> None:
        raise RuntimeError("a migration failed")

    db = SqliteDatabase(str(fresh))

    with pytest.raises(RuntimeError), db.transaction() as conn:
        migrate(conn, [*MIGRATIONS, add_table, fail])

    assert _user_version(fresh) == LAST
    assert db.read("SELECT name FROM sqlite_master WHERE name = 'half'") == []


def test_every_statement_of_schema_sql_applies_to_any_older_file() -> None:
    statements = [re.sub(r"--[^\n]*\n", "", s).strip() for s in schema()]
    assert len(statements) > 30
    creates = re.compile(r"CREATE (TABLE|INDEX) IF NOT EXISTS \w+\s")
    assert [s for s in statements if not creates.match(s)] == []


def test_every_table_of_the_embedded_backend_is_made_in_schema_sql() -> None:
    making = re.compile(r"\b(CREATE|ALTER) (TABLE|INDEX)\b", re.IGNORECASE)
    elsewhere = [
        path.name
        for path in sorted(EMBEDDED.glob("*.py"))
        if path.name != "migrations.py" and making.search(path.read_text())
    ]
    assert elsewhere == []


# What schema.sql makes, as of each number of migrations: a file at the last number never reads
# schema.sql again, so a table or index added without a migration would be missing from every
# released file. Adding one: append a migration, then its entry here.
SCHEMA_AT = {
    1: {
        "index": {
            "deliveries_pending", "ephemeral_by_expiry", "hooks_by_owner", "hooks_by_watch",
            "org_members_by_user", "search_postings_by_rank", "team_grants_by_package",
            "tokens_by_user",
        },
        "table": {
            "advisories", "change_log", "changes", "deliveries", "dependencies", "downloads",
            "ephemeral", "hook_cursor", "hooks", "maintainers", "org_members", "orgs", "packages",
            "plans", "scopes", "search_entries", "search_postings", "signing_keys",
            "staged_versions", "stars", "subscriptions", "team_grants", "team_members", "teams",
            "tokens", "trusted_publishers", "users", "versions",
        },
    },
}  # fmt: skip


def test_a_table_or_index_added_to_schema_sql_comes_with_a_migration() -> None:
    conn = sqlite3.connect(":memory:")
    for statement in schema():
        conn.execute(statement)
    made: dict[str, set[str]] = {"index": set(), "table": set()}
    for kind, name in conn.execute(
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    ):
        made[kind].add(name)
    assert len(MIGRATIONS) in SCHEMA_AT, "a migration was appended: record SCHEMA_AT for it"
    assert made == SCHEMA_AT[len(MIGRATIONS)], (
        "schema.sql changed without a migration: append one to migrations.py (one that does"
        " nothing adds a new table or index), then record its SCHEMA_AT"
    )
