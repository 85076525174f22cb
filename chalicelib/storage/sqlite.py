"""The embedded backend's tables: SQLite in WAL mode, one connection per thread.

Writes run in `BEGIN IMMEDIATE` transactions, so a compare-and-swap is a real one: the rev is
checked and the row replaced while no other writer can run. Constraints (primary keys, the unique
lower-case name) refuse duplicates, so no code path checks and then acts.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from chalicelib.clock import now_iso
from chalicelib.errors import (
    ConcurrentModificationError,
    PackageExistsError,
    ScopeClaimedError,
    UserExistsError,
    VersionExistsError,
)
from chalicelib.storage.codec import (
    check_new_updated,
    new_epoch,
    package_from_json,
    package_to_json,
    token_from_json,
    token_to_json,
    user_from_json,
    user_to_json,
)
from chalicelib.storage.ports import (
    JSON,
    Change,
    LogHead,
    PackageRecord,
    ScopeRecord,
    TokenRecord,
    UserRecord,
    VersionRecord,
)

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

    def get_packages(self, names: Sequence[str]) -> dict[str, PackageRecord]:
        found: dict[str, PackageRecord] = {}
        unique = sorted(set(names))
        for start in range(0, len(unique), 500):  # well under SQLite's bound-parameter limit
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.read(
                f"SELECT name, rev, doc FROM packages WHERE name IN ({marks})",  # noqa: S608
                tuple(chunk),
            )
            for name, rev, doc in rows:
                found[str(name)] = package_from_json(str(name), int(str(rev)), str(doc))
        return found

    def create_package(
        self, package: PackageRecord, version: VersionRecord, events: Sequence[JSON] = ()
    ) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO packages (name, lower_name, rev, doc) VALUES (?, ?, ?, ?)",
                    (package.name, package.name.lower(), package.rev, package_to_json(package)),
                )
                self._insert_version(conn, version)
                _log_change(conn, package, events, live=1)
        except sqlite3.IntegrityError as exc:
            raise PackageExistsError(f"Package {package.name!r} already exists") from exc

    def add_version(
        self,
        package: PackageRecord,
        version: VersionRecord,
        expected_rev: int,
        events: Sequence[JSON] = (),
        *,
        revived: bool = False,
    ) -> None:
        with self._db.transaction() as conn:
            try:
                self._insert_version(conn, version)
            except sqlite3.IntegrityError as exc:
                raise VersionExistsError(f"{version.name}@{version.version} exists") from exc
            self._replace_package(conn, package, expected_rev)
            _log_change(conn, package, events, live=1 if revived else 0, deleted=-int(revived))

    def update_package(
        self, package: PackageRecord, expected_rev: int, events: Sequence[JSON] = ()
    ) -> None:
        gone = int(package.tombstone is not None)
        with self._db.transaction() as conn:
            self._replace_package(conn, package, expected_rev)
            _log_change(conn, package, events, live=-gone, deleted=gone)

    def changes_since(self, seq: int, limit: int) -> list[Change]:
        rows = self._db.read(
            "SELECT seq, name, rev, deleted, time, events, private FROM changes"
            " WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit),
        )
        return [
            Change(
                seq=int(str(row[0])),
                name=str(row[1]),
                rev=int(str(row[2])),
                deleted=bool(row[3]),
                time=str(row[4]),
                events=tuple(json.loads(str(row[5]))),
                private=bool(row[6]),
            )
            for row in rows
        ]

    def log_head(self) -> LogHead:
        rows = self._db.read(
            "SELECT epoch, doc_count, doc_del_count,"
            " (SELECT coalesce(max(seq), 0) FROM changes) FROM change_log WHERE id = 1"
        )
        epoch, docs, deleted, seq = rows[0]
        return LogHead(int(str(seq)), str(epoch), int(str(docs)), int(str(deleted)))

    def index_dependencies(
        self, dependent: str, version: str, dependencies: list[str], *, present: bool
    ) -> None:
        sql = (
            "INSERT OR IGNORE INTO dependencies (dependency, dependent, version) VALUES (?, ?, ?)"
            if present
            else "DELETE FROM dependencies WHERE dependency = ? AND dependent = ? AND version = ?"
        )
        with self._db.transaction() as conn:
            conn.executemany(sql, [(name, dependent, version) for name in set(dependencies)])

    def dependents(self, name: str) -> list[str]:
        rows = self._db.read(
            "SELECT DISTINCT dependent FROM dependencies WHERE dependency = ? AND dependent != ?",
            (name, name),
        )
        return sorted(str(row[0]) for row in rows)

    def packages_in_scope(self, scope: str) -> list[str]:
        # A range on the primary key: every name from "@scope/" up to "@scope0" ('0' follows '/').
        rows = self._db.read(
            "SELECT name FROM packages WHERE name >= ? AND name < ? ORDER BY name",
            (f"@{scope}/", f"@{scope}0"),
        )
        return [str(row[0]) for row in rows]

    def index_maintainer(self, user: str, package: str, *, present: bool) -> None:
        self._db.set_pair("maintainers", user, package, present=present)

    def maintained_by(self, user: str) -> list[str]:
        rows = self._db.read(
            "SELECT package FROM maintainers WHERE user = ? ORDER BY package", (user,)
        )
        return [str(row[0]) for row in rows]

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


def _log_change(
    conn: sqlite3.Connection,
    package: PackageRecord,
    events: Sequence[JSON],
    *,
    live: int,
    deleted: int = 0,
) -> None:
    """Append the write's change and move the counts, inside the write's own transaction."""
    conn.execute(
        "INSERT INTO changes (name, rev, deleted, time, events, private) VALUES (?, ?, ?, ?, ?, ?)",
        (
            package.name,
            package.rev,
            int(package.tombstone is not None),
            now_iso(),  # when the write committed (a mirrored package's `modified` is its source's)
            json.dumps(list(events), separators=(",", ":")),
            int(package.access == "restricted"),
        ),
    )
    if live or deleted:
        conn.execute(
            "UPDATE change_log SET doc_count = doc_count + ?, doc_del_count = doc_del_count + ?"
            " WHERE id = 1",
            (live, deleted),
        )


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
