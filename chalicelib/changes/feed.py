"""The changes feed (`GET /-/_changes`, CouchDB's shape) and the database info (`GET /`).

A page is one read of the log plus one batch read of the packages it names, so every result
says what the package is now: CouchDB lists each document once, at its latest change, and so
does this feed (an entry a later write superseded is left out: that write's own entry comes
later). A private package appears only to callers who may read it (`acl`), judged on its
current access. `last_seq` moves past entries left out, so a follower never reads them again.
"""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.acl.guard import may_read
from chalicelib.auth.service import Actor
from chalicelib.changes import cursor
from chalicelib.errors import InvalidQueryError
from chalicelib.numbers import is_whole_number
from chalicelib.packuments.render import rev_string
from chalicelib.registry import Registry
from chalicelib.storage.ports.changes import ChangeLog
from chalicelib.storage.records import JSON, Change, LogHead, PackageRecord

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
# A page whose entries were all superseded or private is followed by the next one, up to this
# many log reads, so a follower that stops on an empty page stops only at the end of the log.
_READS_PER_REQUEST = 10


def db_info(changes: ChangeLog) -> JSON:
    """CouchDB's database info, which followers read for `update_seq` (npm's REGISTRY-API)."""
    head = changes.log_head()
    return {
        "db_name": "registry",
        "engine": "tarbox",
        "doc_count": head.doc_count,
        "doc_del_count": head.doc_del_count,
        "update_seq": cursor.encode(head.seq, head),
    }


def changes(registry: Registry, actor: Actor | None, query: Mapping[str, str]) -> JSON:
    head = registry.changes.log_head()
    seq = cursor.decode(query.get("since", cursor.START), head)
    limit = _limit(query.get("limit"))
    _feed_kind(query.get("feed", "normal"))
    results: list[JSON] = []
    for _ in range(_READS_PER_REQUEST):
        page = registry.changes.changes_since(seq, limit - len(results))
        if not page:
            break
        results += _visible(registry, actor, page, head)
        seq = page[-1].seq
        if len(results) >= limit or seq >= head.seq:
            break
    return {"results": results, "last_seq": cursor.encode(seq, head)}


def _visible(
    registry: Registry, actor: Actor | None, page: list[Change], head: LogHead
) -> list[JSON]:
    current = registry.packages.get_packages([change.name for change in page])
    return [
        _result(change, package, head)
        for change in page
        if (package := current.get(change.name)) is not None
        and package.rev == change.rev
        and (package.access == "public" or may_read(registry, actor, package))
    ]


def _result(change: Change, package: PackageRecord, head: LogHead) -> JSON:
    result: JSON = {
        "seq": cursor.encode(change.seq, head),
        "id": package.name,
        "changes": [{"rev": rev_string(package)}],
    }
    if package.tombstone is not None:
        result["deleted"] = True
    return result


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not is_whole_number(value) or not 0 < int(value) <= MAX_LIMIT:
        raise InvalidQueryError(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(value)


def _feed_kind(feed: str) -> None:
    # Lambda answers once per request: there is no connection to hold open for longpoll or
    # continuous feeds. Followers poll with feed=normal (the default).
    if feed != "normal":
        raise InvalidQueryError(f"feed={feed} is not supported: poll with feed=normal")
