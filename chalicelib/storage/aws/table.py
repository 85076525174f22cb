"""The DynamoDB table behind the Dynamo* stores: pynamodb models, their binding to a table, and
the few write helpers (transactions, conditional puts) that translate SDK errors.

Every key is made in `keys.py`, which also describes the item layout. Only the stores use this
module.
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TypeVar, cast

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import (
    DeleteError,
    DoesNotExist,
    PutError,
    PynamoDBException,
    TableError,
    TransactWriteError,
    UpdateError,
)
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.errors import PayloadTooLargeError, StorageUnavailableError
from chalicelib.settings import Settings

CONDITION_FAILED = "ConditionalCheckFailed"
# Another transaction touched the same item at the same moment: a lost race, safe to retry.
TRANSACTION_CONFLICT = "TransactionConflict"
_LOST_RACE = frozenset({CONDITION_FAILED, TRANSACTION_CONFLICT})
_CONDITION_FAILED_EXCEPTION = "ConditionalCheckFailedException"
# The table's TTL attribute: only ephemeral items have it (token expiry lives in `details`).
EXPIRES_ATTRIBUTE = "expires"

_SDK_ERRORS = (PynamoDBException, BotoCoreError, ClientError)


# --- models -----------------------------------------------------------------------------------
# These classes carry no Meta: `_bind` subclasses them per (table, region, host), because one
# process (the tests, the local server) may talk to several tables.


class Item(Model):
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class PackageItem(Item):
    name = UnicodeAttribute()
    rev = NumberAttribute()
    dist_tags = UnicodeAttribute()
    maintainers = UnicodeAttribute()
    access = UnicodeAttribute()
    created = UnicodeAttribute()
    modified = UnicodeAttribute()
    meta = UnicodeAttribute()
    # JSON {"users", "deprecated", "unpublished", "tombstone"}; absent on items written before
    # these existed, which read as the defaults.
    state = UnicodeAttribute(null=True)


class VersionItem(Item):
    name = UnicodeAttribute()
    version = UnicodeAttribute()
    manifest = UnicodeAttribute()
    tarball_key = UnicodeAttribute()
    published = UnicodeAttribute()
    publisher = UnicodeAttribute()
    readme = UnicodeAttribute()


class NameClaimItem(Item):
    name = UnicodeAttribute()  # the name as published, with its case


class DependencyItem(Item):
    dependent = UnicodeAttribute()
    version = UnicodeAttribute()


class UserItem(Item):
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    created = UnicodeAttribute()
    updated = UnicodeAttribute(null=True)  # absent until the first replace_user: reads as ""
    profile = UnicodeAttribute(null=True)  # JSON object
    tfa = UnicodeAttribute(null=True)  # JSON object; absent when two-factor is off


class TokenItem(Item):
    key = UnicodeAttribute()
    user = UnicodeAttribute()
    readonly = BooleanAttribute()
    created = UnicodeAttribute()
    prefix = UnicodeAttribute()
    # JSON {"name", "description", "cidr_whitelist", "expires", "grants", "kind"}
    details = UnicodeAttribute(null=True)


class StarItem(Item):
    package = UnicodeAttribute()


class ScopeItem(Item):
    scope = UnicodeAttribute()
    owner = UnicodeAttribute()
    created = UnicodeAttribute()
    kind = UnicodeAttribute(null=True)  # "user" | "org"; absent on older items: reads as "user"


class OrgItem(Item):
    name = UnicodeAttribute()
    created = UnicodeAttribute()


class OrgMemberItem(Item):
    """A membership, stored twice: under the org (MEMBER#) and under the user (ORGOF#)."""

    org = UnicodeAttribute()
    user = UnicodeAttribute()
    role = UnicodeAttribute()


class TeamItem(Item):
    org = UnicodeAttribute()
    team = UnicodeAttribute()
    description = UnicodeAttribute()


class TeamMemberItem(Item):
    org = UnicodeAttribute()
    team = UnicodeAttribute()
    user = UnicodeAttribute()


class EphemeralItem(Item):
    kind = UnicodeAttribute()
    key = UnicodeAttribute()
    doc = UnicodeAttribute()
    expires = NumberAttribute(attr_name=EXPIRES_ATTRIBUTE)  # unix seconds: the table's TTL
    version = NumberAttribute()


M = TypeVar("M", bound=Model)
ItemT = TypeVar("ItemT", bound=Item)
# pynamodb's defaults (15 s to connect, 30 s to read) outlast API Gateway's 29 s: a stuck call
# should become our 503, not the gateway's 504. Single-item calls answer in milliseconds.
_TIMEOUTS = {"connect_timeout_seconds": 3, "read_timeout_seconds": 10}


def _bind(base: type[M], table: str, region: str, host: str | None) -> type[M]:
    settings = {"table_name": table, "region": region, "host": host, **_TIMEOUTS}
    meta = type("Meta", (), settings)
    # types.new_class runs pynamodb's metaclass __init__, which reads Meta; type() would not.
    bound = types.new_class(base.__name__, (base,), exec_body=lambda ns: ns.update(Meta=meta))
    return cast("type[M]", bound)


@dataclass(frozen=True)
class Table:
    name: str
    connection: Connection
    item: type[Item]
    package: type[PackageItem]
    version: type[VersionItem]
    claim: type[NameClaimItem]
    dependency: type[DependencyItem]
    user: type[UserItem]
    token: type[TokenItem]
    star: type[StarItem]
    scope: type[ScopeItem]
    ephemeral: type[EphemeralItem]
    org: type[OrgItem]
    org_member: type[OrgMemberItem]
    team: type[TeamItem]
    team_member: type[TeamMemberItem]


@cache
def _table(table: str, region: str, host: str | None) -> Table:
    """One set of model classes per table, built once, all sharing one connection: pynamodb
    would otherwise give each class its own botocore client, and building one costs ~100 ms."""
    item = _bind(Item, table, region, host)
    shared = item._get_connection()  # builds objects only; no request is made here

    def bind(base: type[M]) -> type[M]:
        model = _bind(base, table, region, host)
        model._connection = shared
        return model

    return Table(
        name=table,
        connection=shared.connection,
        item=item,
        package=bind(PackageItem),
        version=bind(VersionItem),
        claim=bind(NameClaimItem),
        dependency=bind(DependencyItem),
        user=bind(UserItem),
        token=bind(TokenItem),
        star=bind(StarItem),
        scope=bind(ScopeItem),
        ephemeral=bind(EphemeralItem),
        org=bind(OrgItem),
        org_member=bind(OrgMemberItem),
        team=bind(TeamItem),
        team_member=bind(TeamMemberItem),
    )


def table_for(settings: Settings) -> Table:
    return _table(settings.table_name, settings.aws_region, settings.aws_endpoint_url)


def model_for(base: type[M], settings: Settings) -> type[M]:
    """A model declared beside its store (grants, billing), bound to the settings' table and
    sharing the connection of the table's other models."""
    return _bound_model(base, settings.table_name, settings.aws_region, settings.aws_endpoint_url)


@cache
def _bound_model(base: type[M], table: str, region: str, host: str | None) -> type[M]:
    model = _bind(base, table, region, host)
    model._connection = _table(table, region, host).item._get_connection()
    return model


def ensure_table(settings: Settings) -> None:
    """Create the table (on-demand billing, TTL on `expires`) unless it exists. For the local
    server and tests; on AWS the table comes from infra/."""
    t = table_for(settings)
    with translated():
        if t.item.exists():
            return
        try:
            t.item.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
        except TableError:
            if not t.item.exists():  # lost a creation race to another process: fine
                raise
            return
        t.connection.update_time_to_live(t.name, EXPIRES_ATTRIBUTE)


# --- error translation ------------------------------------------------------------------------


def _describe(exc: Exception) -> str:
    message = getattr(exc, "cause_response_message", None)
    if message:
        return str(message)
    cause = getattr(exc, "cause", None)  # pynamodb wraps the botocore error, which says more
    if cause is not None and str(cause) not in str(exc):
        return f"{exc}: {cause}"
    return str(exc)


def translate(exc: Exception) -> Exception:
    message = _describe(exc)
    if "Item size" in message:  # ValidationException: an item is over DynamoDB's 400 KB
        return PayloadTooLargeError(f"the package document is too large to store: {message}")
    return StorageUnavailableError(f"DynamoDB did not answer: {message}")


@contextmanager
def translated() -> Iterator[None]:
    try:
        yield
    except _SDK_ERRORS as exc:
        raise translate(exc) from exc


# --- reads and writes -------------------------------------------------------------------------


def commit(
    t: Table,
    puts: Sequence[tuple[Model, Condition | None]],
    deletes: Sequence[Model] = (),
    guarded_deletes: Sequence[tuple[Model, Condition]] = (),
    checks: Sequence[tuple[Item, Condition]] = (),
) -> list[str | None] | None:
    """Write the puts, then the deletes, then the deletes with a condition, as one
    transaction that also needs each of `checks` (an item it does not write) to hold. None when
    it committed; when a condition (or a racing transaction) refused it, the cancellation code
    of each operation, in order. Anything else raises."""
    try:
        with TransactWrite(connection=t.connection) as tx:
            for item, condition in puts:
                tx.save(item, condition=condition)
            for item in deletes:
                tx.delete(item)
            for item, condition in guarded_deletes:
                tx.delete(item, condition=condition)
            for checked, condition in checks:
                tx.condition_check(type(checked), checked.pk, checked.sk, condition=condition)
    except TransactWriteError as exc:
        reasons = getattr(exc.cause, "cancellation_reasons", None) or []
        codes = [reason.code if reason is not None else None for reason in reasons]
        if exc.cause_response_code == "TransactionCanceledException" and _LOST_RACE & set(codes):
            return codes
        raise translate(exc) from exc
    except _SDK_ERRORS as exc:
        raise translate(exc) from exc
    return None


def put(item: Model, condition: Condition | None) -> bool:
    """Save one item if the condition holds; False when it did not."""
    try:
        item.save(condition=condition)
    except PutError as exc:
        if exc.cause_response_code == _CONDITION_FAILED_EXCEPTION:
            return False
        raise translate(exc) from exc
    except _SDK_ERRORS as exc:
        raise translate(exc) from exc
    return True


def update(item: Model, actions: list[Action], condition: Condition) -> bool:
    """UpdateItem if the condition holds; the item then holds the new values. False if not."""
    try:
        item.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == _CONDITION_FAILED_EXCEPTION:
            return False
        raise translate(exc) from exc
    except _SDK_ERRORS as exc:
        raise translate(exc) from exc
    return True


def delete(item: Model, condition: Condition | None = None) -> bool:
    """Delete one item if the condition holds; False when it did not. Deleting a missing item
    with no condition succeeds."""
    try:
        item.delete(condition=condition)
    except DeleteError as exc:
        if exc.cause_response_code == _CONDITION_FAILED_EXCEPTION:
            return False
        raise translate(exc) from exc
    except _SDK_ERRORS as exc:
        raise translate(exc) from exc
    return True


def get(model: type[M], pk: str, sk: str) -> M | None:
    # Consistent reads: a publish reads the rev it will compare-and-swap, and the packument is
    # rendered right after a write; an eventually consistent read could miss either.
    with translated():
        try:
            return model.get(pk, sk, consistent_read=True)
        except DoesNotExist:
            return None


def query_prefix(model: type[ItemT], pk: str, sk_prefix: str = "") -> list[ItemT]:
    """Every item of the partition whose sort key starts with the prefix, following pages."""
    condition = model.sk.startswith(sk_prefix) if sk_prefix else None
    with translated():  # pages are fetched while iterating, so errors surface here
        return list(model.query(pk, condition, consistent_read=True))


def scan_prefix(model: type[ItemT], pk_prefix: str, sk: str | None = None) -> Iterator[ItemT]:
    """Every item of the table whose partition key starts with the prefix (and whose sort key
    is `sk`, when given), page by page. A whole-table Scan: only `tarbox export` and the
    emptiness check of `tarbox import` read this way; the registry's own paths always know their
    partition."""
    condition = model.pk.startswith(pk_prefix)
    if sk is not None:
        condition &= model.sk == sk
    with translated():
        yield from model.scan(condition, consistent_read=True)
