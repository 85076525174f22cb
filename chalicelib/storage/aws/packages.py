"""DynamoPackageStore: packages, their versions, the name claims, the dependents and maintainers
indexes, and (through `changes.ChangeLog`) the change log, on the registry's one table (keys in
`keys.py`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from chalicelib.errors import (
    ConcurrentModificationError,
    PackageExistsError,
    VersionExistsError,
)
from chalicelib.settings import Settings
from chalicelib.storage.aws import keys
from chalicelib.storage.aws.changes import ChangeLog
from chalicelib.storage.aws.table import (
    CONDITION_FAILED,
    NameClaimItem,
    PackageItem,
    Table,
    VersionItem,
    delete,
    get,
    put,
    query_prefix,
    table_for,
    translated,
)
from chalicelib.storage.codec import dumps, loads_object, package_state, with_package_state
from chalicelib.storage.records import (
    JSON,
    Change,
    LogHead,
    Maintainer,
    PackageRecord,
    VersionRecord,
)


def _package_item(t: Table, p: PackageRecord) -> PackageItem:
    return t.package(
        *keys.package(p.name),
        name=p.name,
        rev=p.rev,
        dist_tags=dumps(p.dist_tags),
        maintainers=dumps([asdict(m) for m in p.maintainers]),
        access=p.access,
        created=p.created,
        modified=p.modified,
        meta=dumps(p.meta),
        state=dumps(package_state(p)),
    )


def _package_record(item: PackageItem) -> PackageRecord:
    maintainers: list[dict[str, str]] = json.loads(item.maintainers)
    record = PackageRecord(
        name=item.name,
        rev=int(item.rev),
        dist_tags=json.loads(item.dist_tags),
        maintainers=tuple(Maintainer(name=m["name"], email=m["email"]) for m in maintainers),
        access=item.access,
        created=item.created,
        modified=item.modified,
        meta=json.loads(item.meta),
    )
    return with_package_state(record, loads_object(item.state))


def _version_item(t: Table, v: VersionRecord) -> VersionItem:
    return t.version(
        *keys.version(v.name, v.version),
        name=v.name,
        version=v.version,
        manifest=dumps(v.manifest),
        tarball_key=v.tarball_key,
        published=v.published,
        publisher=v.publisher,
        readme=v.readme,
    )


def _version_record(item: VersionItem) -> VersionRecord:
    manifest: JSON = json.loads(item.manifest)
    return VersionRecord(
        name=item.name,
        version=item.version,
        manifest=manifest,
        tarball_key=item.tarball_key,
        published=item.published,
        publisher=item.publisher,
        readme=item.readme or "",
    )


def _claim_item(t: Table, name: str) -> NameClaimItem:
    return t.claim(*keys.name_claim(name), name=name)


def _scope(name: str) -> str | None:
    return name[1:].split("/", 1)[0] if name.startswith("@") and "/" in name else None


def _scope_entry(t: Table, scope: str, name: str) -> NameClaimItem:
    # The same shape as a name claim (a key and the name): listed by `packages_in_scope`.
    return t.claim(*keys.scope_package(scope, name), name=name)


class DynamoPackageStore:
    def __init__(self, settings: Settings) -> None:
        self._t = table_for(settings)
        self._log = ChangeLog(settings)

    def get_package(self, name: str) -> PackageRecord | None:
        item = get(self._t.package, *keys.package(name))
        return None if item is None else _package_record(item)

    def get_packages(self, names: Sequence[str]) -> dict[str, PackageRecord]:
        wanted = [keys.package(name) for name in sorted(set(names))]
        with translated():  # batches of 100 keys, unprocessed keys retried, by pynamodb
            items = list(self._t.package.batch_get(wanted, consistent_read=True))
        return {item.name: _package_record(item) for item in items}

    def get_version(self, name: str, version: str) -> VersionRecord | None:
        item = get(self._t.version, *keys.version(name, version))
        return None if item is None else _version_record(item)

    def list_versions(self, name: str) -> list[VersionRecord]:
        items = query_prefix(self._t.version, keys.package_pk(name), keys.VERSION_PREFIX)
        return [_version_record(item) for item in items]

    def create_package(
        self, package: PackageRecord, version: VersionRecord, events: Sequence[JSON] = ()
    ) -> None:
        t = self._t
        scope = _scope(package.name)
        listed = [] if scope is None else [(_scope_entry(t, scope, package.name), None)]
        own = [  # cancellation codes come back in this order
            (_claim_item(t, package.name), t.claim.pk.does_not_exist()),
            (_package_item(t, package), t.package.pk.does_not_exist()),
            (_version_item(t, version), t.version.pk.does_not_exist()),
            *listed,
        ]
        codes = self._log.commit(t, own, package, events, (1, 0))
        if codes is None:
            return
        if CONDITION_FAILED in codes:
            raise PackageExistsError(f"{package.name} (or a name differing only by case) exists")
        # Only a racing transaction (TransactionConflict): the caller re-reads and retries.
        raise ConcurrentModificationError(f"{package.name} is being created by someone else")

    def add_version(
        self,
        package: PackageRecord,
        version: VersionRecord,
        expected_rev: int,
        events: Sequence[JSON] = (),
        *,
        revived: bool = False,
    ) -> None:
        t = self._t
        own = [  # cancellation codes come back in this order
            (_version_item(t, version), t.version.pk.does_not_exist()),
            (_package_item(t, package), t.package.rev == expected_rev),
        ]
        moves = (1, -1) if revived else (0, 0)
        codes = self._log.commit(t, own, package, events, moves)
        if codes is None:
            return
        if codes[0] == CONDITION_FAILED:
            raise VersionExistsError(f"{version.name}@{version.version} was already written")
        raise ConcurrentModificationError(f"{package.name} changed since rev {expected_rev}")

    def update_package(
        self, package: PackageRecord, expected_rev: int, events: Sequence[JSON] = ()
    ) -> None:
        t = self._t
        gone = int(package.tombstone is not None)
        own = [(_package_item(t, package), t.package.rev == expected_rev)]
        if self._log.commit(t, own, package, events, (-gone, gone)) is not None:
            raise ConcurrentModificationError(f"{package.name} changed since rev {expected_rev}")

    def changes_since(self, seq: int, limit: int) -> list[Change]:
        return self._log.since(seq, limit)

    def log_head(self) -> LogHead:
        return self._log.head()

    def index_dependencies(
        self, dependent: str, version: str, dependencies: list[str], *, present: bool
    ) -> None:
        model = self._t.dependency
        # Idempotent puts and deletes, so a batch (any size, retried by pynamodb) will do; a
        # batch must not name one key twice, hence the set.
        items = [
            model(*keys.dependency(name, dependent, version), dependent=dependent, version=version)
            for name in sorted(set(dependencies))
        ]
        with translated(), model.batch_write() as batch:
            for item in items:
                if present:
                    batch.save(item)
                else:
                    batch.delete(item)

    def dependents(self, name: str) -> list[str]:
        items = query_prefix(self._t.dependency, keys.dependents_pk(name))
        return sorted({item.dependent for item in items} - {name})

    def packages_in_scope(self, scope: str) -> list[str]:
        items = query_prefix(self._t.claim, keys.scope_packages_pk(scope))
        return sorted(item.name for item in items)

    def index_maintainer(self, user: str, package: str, *, present: bool) -> None:
        item = self._t.claim(*keys.maintains(user, package), name=package)
        if present:
            put(item, None)
        else:
            delete(item)

    def maintained_by(self, user: str) -> list[str]:
        items = query_prefix(self._t.claim, keys.user_pk(user), keys.MAINTAINS_PREFIX)
        return sorted(item.name for item in items)
