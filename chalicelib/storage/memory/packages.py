"""The memory PackageStore: packages by name (and by lower-case name, so names differing only by
case cannot coexist), their versions, the change log and the derived indexes.

Every write checks its conditions and writes under the database's lock, appending its change
in the same step, so a refused write logs nothing and a logged change is always visible.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.clock import now_iso
from chalicelib.errors import (
    ConcurrentModificationError,
    PackageExistsError,
    VersionExistsError,
)
from chalicelib.storage.memory.database import MemoryDatabase, copied
from chalicelib.storage.records import JSON, Change, LogHead, PackageRecord, VersionRecord


class MemoryPackageStore:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    def get_package(self, name: str) -> PackageRecord | None:
        with self._db.lock:
            return copied(self._db.packages.get(name))

    def get_packages(self, names: Sequence[str]) -> dict[str, PackageRecord]:
        with self._db.lock:
            found = {name: self._db.packages.get(name) for name in set(names)}
            return {name: copied(p) for name, p in found.items() if p is not None}

    def get_version(self, name: str, version: str) -> VersionRecord | None:
        with self._db.lock:
            return copied(self._db.versions.get(name, {}).get(version))

    def list_versions(self, name: str) -> list[VersionRecord]:
        with self._db.lock:
            return copied(list(self._db.versions.get(name, {}).values()))

    def create_package(
        self, package: PackageRecord, version: VersionRecord, events: Sequence[JSON] = ()
    ) -> None:
        db = self._db
        with db.lock:
            if package.name in db.packages or package.name.lower() in db.lower_names:
                raise PackageExistsError(f"Package {package.name!r} already exists")
            db.packages[package.name] = copied(package)
            db.lower_names[package.name.lower()] = package.name
            self._insert_version(version)
            self._log_change(package, events, live=1)

    def add_version(
        self,
        package: PackageRecord,
        version: VersionRecord,
        expected_rev: int,
        events: Sequence[JSON] = (),
        *,
        revived: bool = False,
    ) -> None:
        with self._db.lock:
            if version.version in self._db.versions.get(version.name, {}):
                raise VersionExistsError(f"{version.name}@{version.version} exists")
            self._check_rev(package, expected_rev)
            self._insert_version(version)
            self._db.packages[package.name] = copied(package)
            self._log_change(package, events, live=1 if revived else 0, deleted=-int(revived))

    def update_package(
        self, package: PackageRecord, expected_rev: int, events: Sequence[JSON] = ()
    ) -> None:
        gone = int(package.tombstone is not None)
        with self._db.lock:
            self._check_rev(package, expected_rev)
            self._db.packages[package.name] = copied(package)
            self._log_change(package, events, live=-gone, deleted=gone)

    def changes_since(self, seq: int, limit: int) -> list[Change]:
        with self._db.lock:
            # changes[i] has seq i + 1: the ones above `seq` start at index `seq`.
            return copied(self._db.changes[max(seq, 0) : max(seq, 0) + max(limit, 0)])

    def log_head(self) -> LogHead:
        db = self._db
        with db.lock:
            return LogHead(len(db.changes), db.epoch, db.doc_count, db.doc_del_count)

    def index_dependencies(
        self, dependent: str, version: str, dependencies: list[str], *, present: bool
    ) -> None:
        index = self._db.dependencies
        with self._db.lock:
            for name in set(dependencies):
                if present:
                    index.setdefault(name, set()).add((dependent, version))
                elif name in index:
                    index[name].discard((dependent, version))
                    if not index[name]:
                        del index[name]

    def dependents(self, name: str) -> list[str]:
        with self._db.lock:
            found = {who for who, _ in self._db.dependencies.get(name, ())}
        found.discard(name)
        return sorted(found)

    def packages_in_scope(self, scope: str) -> list[str]:
        prefix = f"@{scope}/"
        with self._db.lock:
            return sorted(name for name in self._db.packages if name.startswith(prefix))

    def index_maintainer(self, user: str, package: str, *, present: bool) -> None:
        index = self._db.maintainers
        with self._db.lock:
            if present:
                index.setdefault(user, set()).add(package)
            elif user in index:
                index[user].discard(package)
                if not index[user]:
                    del index[user]

    def maintained_by(self, user: str) -> list[str]:
        with self._db.lock:
            return sorted(self._db.maintainers.get(user, ()))

    def _check_rev(self, package: PackageRecord, expected_rev: int) -> None:
        stored = self._db.packages.get(package.name)
        if stored is None or stored.rev != expected_rev:
            raise ConcurrentModificationError(
                f"{package.name} was changed by someone else (expected rev {expected_rev})"
            )

    def _insert_version(self, version: VersionRecord) -> None:
        self._db.versions.setdefault(version.name, {})[version.version] = copied(version)

    def _log_change(
        self, package: PackageRecord, events: Sequence[JSON], *, live: int, deleted: int = 0
    ) -> None:
        """Append the write's change and move the counts, in the write's own locked step."""
        db = self._db
        db.changes.append(
            Change(
                seq=len(db.changes) + 1,
                name=package.name,
                rev=package.rev,
                deleted=package.tombstone is not None,
                time=now_iso(),  # when the write committed, not the package's `modified`
                events=tuple(copied(list(events))),
                private=package.access == "restricted",
            )
        )
        db.doc_count += live
        db.doc_del_count += deleted
