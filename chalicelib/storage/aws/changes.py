"""The change log on DynamoDB: one partition, written inside each package write's transaction
(keys in `keys.py`: the head, `CHANGES` / `HEAD`, with the last `seq`, the `epoch` and the package
counts; each change, `CHANGES` / `SEQ#<12 digits>`, with name, rev, deleted, time, events).

DynamoDB Streams keep 24 hours, too little for a mirror that was away for a week, so the log is
items of its own. A write reads the head, then its transaction puts the head at `seq + 1` on
the condition that it is still at `seq`, and puts the change under that seq: seqs are dense, in
commit order, and a change is visible only with the write it describes. Two writers racing for
the head cost the loser a retry (`ChangeLog.commit`). So package writes are serialised on the
head item: one per transaction round trip, some tens a second, which is far above what a
registry publishes (npmjs: a few a second at its peak); a burst beyond it gets 503s after the
retries, and the CLI retries those.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from chalicelib.clock import now_iso
from chalicelib.errors import StorageUnavailableError
from chalicelib.settings import Settings
from chalicelib.storage.aws import keys
from chalicelib.storage.aws.table import (
    CONDITION_FAILED,
    TRANSACTION_CONFLICT,
    Item,
    Table,
    commit,
    get,
    model_for,
    translated,
)
from chalicelib.storage.codec import dumps, new_epoch
from chalicelib.storage.records import JSON, Change, LogHead, PackageRecord

_RETRIES = 25
_LOST = frozenset({CONDITION_FAILED, TRANSACTION_CONFLICT})

Puts = Sequence[tuple[Model, Condition | None]]


class LogHeadItem(Item):
    seq = NumberAttribute()
    epoch = UnicodeAttribute()
    doc_count = NumberAttribute()
    doc_del_count = NumberAttribute()


class ChangeItem(Item):
    name = UnicodeAttribute()
    rev = NumberAttribute()
    deleted = BooleanAttribute()
    time = UnicodeAttribute()
    events = UnicodeAttribute()
    private = BooleanAttribute(null=True)  # absent on changes from before it: public


class ChangeLog:
    def __init__(self, settings: Settings) -> None:
        self._head = model_for(LogHeadItem, settings)
        self._change = model_for(ChangeItem, settings)

    def head(self) -> LogHead:
        item = get(self._head, *keys.log_head())
        if item is None:
            return LogHead(0, new_epoch(), 0, 0)
        return LogHead(int(item.seq), item.epoch, int(item.doc_count), int(item.doc_del_count))

    def since(self, seq: int, limit: int) -> list[Change]:
        condition = self._change.sk.between(keys.change_sk(seq + 1), keys.change_sk(keys.LAST_SEQ))
        with translated():
            items = self._change.query(keys.LOG_PK, condition, consistent_read=True, limit=limit)
            return [_change(item) for item in items]

    def entries(
        self, head: LogHead, package: PackageRecord, events: Sequence[JSON], moves: tuple[int, int]
    ) -> list[tuple[Model, Condition | None]]:
        """The head at seq + 1 (if still at `head.seq`) and the change: for a transaction."""
        h = self._head
        live, deleted = moves
        new_head = h(
            *keys.log_head(),
            seq=head.seq + 1,
            epoch=head.epoch,
            doc_count=head.doc_count + live,
            doc_del_count=head.doc_del_count + deleted,
        )
        condition = h.pk.does_not_exist() if head.seq == 0 else h.seq == head.seq
        change = self._change(
            *keys.change(head.seq + 1),
            name=package.name,
            rev=package.rev,
            deleted=package.tombstone is not None,
            time=now_iso(),  # when the write commits (a mirrored package keeps its source's times)
            events=dumps(list(events)),
            private=package.access == "restricted",
        )
        return [(new_head, condition), (change, self._change.pk.does_not_exist())]

    def commit(
        self,
        t: Table,
        own: Puts,
        package: PackageRecord,
        events: Sequence[JSON],
        moves: tuple[int, int],
    ) -> list[str | None] | None:
        """Commit the write's own puts and the log's entries as one transaction. One refused
        only because another write took the head's seq is tried again from a fresh head; any
        other refusal returns the cancellation codes of the write's own puts, as `commit`
        does. `moves`: how the write changes the counts of live and deleted packages."""
        for attempt in range(_RETRIES):
            codes = commit(t, [*own, *self.entries(self.head(), package, events, moves)])
            if codes is None:
                return None
            write, log = codes[:-2], codes[-2:]
            if any(code in _LOST for code in write) or not any(code in _LOST for code in log):
                return write
            time.sleep(random.uniform(0, 0.005 * (attempt + 1)))  # noqa: S311 - jitter
        raise StorageUnavailableError("the change log is too busy: try again")


def _change(item: ChangeItem) -> Change:
    return Change(
        seq=keys.change_seq(item.sk),
        name=item.name,
        rev=int(item.rev),
        deleted=bool(item.deleted),
        time=item.time,
        events=tuple(json.loads(item.events)),
        private=bool(item.private),
    )
