"""SqlitePackageStore: tables `packages` (with a unique `lower_name`), `versions`, the change log
(`changes`, and its one-row head `change_log`) and the indexes `dependencies` and `maintainers`,
every write with its change in one transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from chalicelib.clock import now_iso
from chalicelib.errors import ConcurrentModificationError, PackageExistsError, VersionExistsError
from chalicelib.storage.codec import package_from_json, package_to_json
from chalicelib.storage.embedded.database import SqliteDatabase
from chalicelib.storage.records import JSON, Change, LogHead, PackageRecord, VersionRecord


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
