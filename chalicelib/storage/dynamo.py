"""DynamoDB adapters (pynamodb) for PackageStore and AccountStore, on one table.

Item layout (pk / sk):
    PKG#<name>         PACKAGE          the package item (dist-tags, maintainers, rev, times, meta)
    PKG#<name>         VER#<version>    one item per version, so no item nears the 400 KB limit
    NAME#<lower name>  NAME             the name claim: names differing only by case cannot coexist
    USER#<name>        USER             an account
    TOKEN#<sha512 hex> TOKEN            a token, keyed by its hash (the value is never stored)
    SCOPE#<scope>      SCOPE            who owns a scope

JSON-shaped fields (manifest, meta, dist-tags, maintainers) are stored as JSON strings: any
manifest round-trips exactly, with none of DynamoDB's rules on empty sets or number precision.
Every write that must not lose a race is conditional; nothing here does check-then-act.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any, TypeVar, cast

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import (
    DoesNotExist,
    PutError,
    PynamoDBException,
    TableError,
    TransactWriteError,
)
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.errors import (
    ConcurrentModificationError,
    PackageExistsError,
    PayloadTooLargeError,
    ScopeClaimedError,
    StorageUnavailableError,
    UserExistsError,
    VersionExistsError,
)
from chalicelib.settings import Settings
from chalicelib.storage.ports import (
    JSON,
    Maintainer,
    PackageRecord,
    ScopeRecord,
    TokenRecord,
    UserRecord,
    VersionRecord,
)

PACKAGE_SK = "PACKAGE"
VERSION_PREFIX = "VER#"
CONDITION_FAILED = "ConditionalCheckFailed"
# Another transaction touched the same item at the same moment: a lost race, safe to retry.
TRANSACTION_CONFLICT = "TransactionConflict"
_LOST_RACE = frozenset({CONDITION_FAILED, TRANSACTION_CONFLICT})

_SDK_ERRORS = (PynamoDBException, BotoCoreError, ClientError)


# --- models -----------------------------------------------------------------------------------
# These classes carry no Meta: `_bind` subclasses them per (table, region, host), because one
# process (the tests, the local server) may talk to several tables.


class _Item(Model):
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class _PackageItem(_Item):
    name = UnicodeAttribute()
    rev = NumberAttribute()
    dist_tags = UnicodeAttribute()
    maintainers = UnicodeAttribute()
    access = UnicodeAttribute()
    created = UnicodeAttribute()
    modified = UnicodeAttribute()
    meta = UnicodeAttribute()


class _VersionItem(_Item):
    name = UnicodeAttribute()
    version = UnicodeAttribute()
    manifest = UnicodeAttribute()
    tarball_key = UnicodeAttribute()
    published = UnicodeAttribute()
    publisher = UnicodeAttribute()
    readme = UnicodeAttribute()


class _NameClaimItem(_Item):
    name = UnicodeAttribute()  # the name as published, with its case


class _UserItem(_Item):
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    created = UnicodeAttribute()


class _TokenItem(_Item):
    key = UnicodeAttribute()
    user = UnicodeAttribute()
    readonly = BooleanAttribute()
    created = UnicodeAttribute()
    prefix = UnicodeAttribute()


class _ScopeItem(_Item):
    scope = UnicodeAttribute()
    owner = UnicodeAttribute()
    created = UnicodeAttribute()


_M = TypeVar("_M", bound=Model)
# pynamodb's defaults (15 s to connect, 30 s to read) outlast API Gateway's 29 s: a stuck call
# should become our 503, not the gateway's 504. Single-item calls answer in milliseconds.
_TIMEOUTS = {"connect_timeout_seconds": 3, "read_timeout_seconds": 10}


def _bind(base: type[_M], table: str, region: str, host: str | None) -> type[_M]:
    settings = {"table_name": table, "region": region, "host": host, **_TIMEOUTS}
    meta = type("Meta", (), settings)
    # types.new_class runs pynamodb's metaclass __init__, which reads Meta; type() would not.
    bound = types.new_class(base.__name__, (base,), exec_body=lambda ns: ns.update(Meta=meta))
    return cast("type[_M]", bound)


@dataclass(frozen=True)
class _Table:
    connection: Connection
    item: type[_Item]
    package: type[_PackageItem]
    version: type[_VersionItem]
    claim: type[_NameClaimItem]
    user: type[_UserItem]
    token: type[_TokenItem]
    scope: type[_ScopeItem]


@cache
def _table(table: str, region: str, host: str | None) -> _Table:
    """One set of model classes per table, built once, all sharing one connection: pynamodb
    would otherwise give each class its own botocore client, and building one costs ~100 ms."""
    item = _bind(_Item, table, region, host)
    shared = item._get_connection()  # builds objects only; no request is made here

    def bind(base: type[_M]) -> type[_M]:
        model = _bind(base, table, region, host)
        model._connection = shared
        return model

    return _Table(
        connection=shared.connection,
        item=item,
        package=bind(_PackageItem),
        version=bind(_VersionItem),
        claim=bind(_NameClaimItem),
        user=bind(_UserItem),
        token=bind(_TokenItem),
        scope=bind(_ScopeItem),
    )


def _table_for(settings: Settings) -> _Table:
    return _table(settings.table_name, settings.aws_region, settings.aws_endpoint_url)


def ensure_table(settings: Settings) -> None:
    """Create the table (on-demand billing) unless it exists. For the local server and tests;
    on AWS the table comes from infra/."""
    model = _table_for(settings).item
    with _translated():
        if model.exists():
            return
        try:
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
        except TableError:
            if not model.exists():  # lost a creation race to another process: fine
                raise


# --- error translation ------------------------------------------------------------------------


def _describe(exc: Exception) -> str:
    message = getattr(exc, "cause_response_message", None)
    if message:
        return str(message)
    cause = getattr(exc, "cause", None)  # pynamodb wraps the botocore error, which says more
    if cause is not None and str(cause) not in str(exc):
        return f"{exc}: {cause}"
    return str(exc)


def _translate(exc: Exception) -> Exception:
    message = _describe(exc)
    if "Item size" in message:  # ValidationException: an item is over DynamoDB's 400 KB
        return PayloadTooLargeError(f"the package document is too large to store: {message}")
    return StorageUnavailableError(f"DynamoDB did not answer: {message}")


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except _SDK_ERRORS as exc:
        raise _translate(exc) from exc


def _commit(t: _Table, puts: list[tuple[Model, Condition]]) -> list[str | None] | None:
    """Write the puts as one transaction. None when it committed; when a condition (or a racing
    transaction) refused it, the cancellation code of each put, in order. Anything else raises."""
    try:
        with TransactWrite(connection=t.connection) as tx:
            for item, condition in puts:
                tx.save(item, condition=condition)
    except TransactWriteError as exc:
        reasons = getattr(exc.cause, "cancellation_reasons", None) or []
        codes = [reason.code if reason is not None else None for reason in reasons]
        if exc.cause_response_code == "TransactionCanceledException" and _LOST_RACE & set(codes):
            return codes
        raise _translate(exc) from exc
    except _SDK_ERRORS as exc:
        raise _translate(exc) from exc
    return None


def _put(item: Model, condition: Condition) -> bool:
    """Save one item if the condition holds; False when it did not."""
    try:
        item.save(condition=condition)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise _translate(exc) from exc
    except _SDK_ERRORS as exc:
        raise _translate(exc) from exc
    return True


# --- records <-> items ------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    # ensure_ascii=False: UTF-8 is smaller than \u escapes, and items are billed by size.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _package_pk(name: str) -> str:
    return f"PKG#{name}"


def _package_item(t: _Table, p: PackageRecord) -> _PackageItem:
    return t.package(
        _package_pk(p.name),
        PACKAGE_SK,
        name=p.name,
        rev=p.rev,
        dist_tags=_dumps(p.dist_tags),
        maintainers=_dumps([asdict(m) for m in p.maintainers]),
        access=p.access,
        created=p.created,
        modified=p.modified,
        meta=_dumps(p.meta),
    )


def _package_record(item: _PackageItem) -> PackageRecord:
    maintainers: list[dict[str, str]] = json.loads(item.maintainers)
    return PackageRecord(
        name=item.name,
        rev=int(item.rev),
        dist_tags=json.loads(item.dist_tags),
        maintainers=tuple(Maintainer(name=m["name"], email=m["email"]) for m in maintainers),
        access=item.access,
        created=item.created,
        modified=item.modified,
        meta=json.loads(item.meta),
    )


def _version_item(t: _Table, v: VersionRecord) -> _VersionItem:
    return t.version(
        _package_pk(v.name),
        VERSION_PREFIX + v.version,
        name=v.name,
        version=v.version,
        manifest=_dumps(v.manifest),
        tarball_key=v.tarball_key,
        published=v.published,
        publisher=v.publisher,
        readme=v.readme,
    )


def _version_record(item: _VersionItem) -> VersionRecord:
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


def _claim_item(t: _Table, name: str) -> _NameClaimItem:
    return t.claim(f"NAME#{name.lower()}", "NAME", name=name)


def _scope_item(t: _Table, s: ScopeRecord) -> _ScopeItem:
    return t.scope(f"SCOPE#{s.scope}", "SCOPE", scope=s.scope, owner=s.owner, created=s.created)


def _get(model: type[_M], pk: str, sk: str) -> _M | None:
    # Consistent reads: a publish reads the rev it will compare-and-swap, and the packument is
    # rendered right after a write; an eventually consistent read could miss either.
    with _translated():
        try:
            return model.get(pk, sk, consistent_read=True)
        except DoesNotExist:
            return None


# --- stores -----------------------------------------------------------------------------------


class DynamoPackageStore:
    def __init__(self, settings: Settings) -> None:
        self._t = _table_for(settings)

    def get_package(self, name: str) -> PackageRecord | None:
        item = _get(self._t.package, _package_pk(name), PACKAGE_SK)
        return None if item is None else _package_record(item)

    def get_version(self, name: str, version: str) -> VersionRecord | None:
        item = _get(self._t.version, _package_pk(name), VERSION_PREFIX + version)
        return None if item is None else _version_record(item)

    def list_versions(self, name: str) -> list[VersionRecord]:
        model = self._t.version
        with _translated():  # pages are fetched while iterating, so errors surface here
            items = list(
                model.query(
                    _package_pk(name),
                    model.sk.startswith(VERSION_PREFIX),
                    consistent_read=True,
                )
            )
        return [_version_record(item) for item in items]

    def create_package(self, package: PackageRecord, version: VersionRecord) -> None:
        t = self._t
        codes = _commit(
            t,
            [
                (_claim_item(t, package.name), t.claim.pk.does_not_exist()),
                (_package_item(t, package), t.package.pk.does_not_exist()),
                (_version_item(t, version), t.version.pk.does_not_exist()),
            ],
        )
        if codes is None:
            return
        if CONDITION_FAILED in codes:
            raise PackageExistsError(f"{package.name} (or a name differing only by case) exists")
        # Only a racing transaction (TransactionConflict): the caller re-reads and retries.
        raise ConcurrentModificationError(f"{package.name} is being created by someone else")

    def add_version(
        self, package: PackageRecord, version: VersionRecord, expected_rev: int
    ) -> None:
        t = self._t
        codes = _commit(
            t,
            [  # cancellation codes come back in this order
                (_version_item(t, version), t.version.pk.does_not_exist()),
                (_package_item(t, package), t.package.rev == expected_rev),
            ],
        )
        if codes is None:
            return
        if codes[0] == CONDITION_FAILED:
            raise VersionExistsError(f"{version.name}@{version.version} was already written")
        raise ConcurrentModificationError(f"{package.name} changed since rev {expected_rev}")

    def update_package(self, package: PackageRecord, expected_rev: int) -> None:
        t = self._t
        if not _put(_package_item(t, package), t.package.rev == expected_rev):
            raise ConcurrentModificationError(f"{package.name} changed since rev {expected_rev}")


class DynamoAccountStore:
    def __init__(self, settings: Settings) -> None:
        self._t = _table_for(settings)

    def create_user(self, user: UserRecord) -> None:
        t = self._t
        item = t.user(
            f"USER#{user.name}",
            "USER",
            name=user.name,
            email=user.email,
            password_hash=user.password_hash,
            created=user.created,
        )
        scope = _scope_item(t, ScopeRecord(scope=user.name, owner=user.name, created=user.created))
        codes = _commit(
            t, [(item, t.user.pk.does_not_exist()), (scope, t.scope.pk.does_not_exist())]
        )
        if codes is not None:
            raise UserExistsError(f"the name {user.name} is taken")

    def get_user(self, name: str) -> UserRecord | None:
        item = _get(self._t.user, f"USER#{name}", "USER")
        if item is None:
            return None
        return UserRecord(
            name=item.name, email=item.email, password_hash=item.password_hash, created=item.created
        )

    def put_token(self, token: TokenRecord) -> None:
        item = self._t.token(
            f"TOKEN#{token.key}",
            "TOKEN",
            key=token.key,
            user=token.user,
            readonly=token.readonly,
            created=token.created,
            prefix=token.prefix,
        )
        with _translated():
            item.save()

    def get_token(self, key: str) -> TokenRecord | None:
        item = _get(self._t.token, f"TOKEN#{key}", "TOKEN")
        if item is None:
            return None
        return TokenRecord(
            key=item.key,
            user=item.user,
            readonly=bool(item.readonly),
            created=item.created,
            prefix=item.prefix,
        )

    def delete_token(self, key: str) -> None:
        # DeleteItem of a missing key succeeds, which is what revoking twice should do.
        with _translated():
            self._t.token(f"TOKEN#{key}", "TOKEN").delete()

    def get_scope(self, scope: str) -> ScopeRecord | None:
        item = _get(self._t.scope, f"SCOPE#{scope}", "SCOPE")
        return (
            None
            if item is None
            else ScopeRecord(scope=item.scope, owner=item.owner, created=item.created)
        )

    def claim_scope(self, scope: ScopeRecord) -> None:
        t = self._t
        if not _put(_scope_item(t, scope), t.scope.pk.does_not_exist()):
            raise ScopeClaimedError(f"the scope @{scope.scope} is taken")
