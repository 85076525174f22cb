"""The download counter batches: nothing is stored until a threshold, then one batch; a failed
batch is kept for the next one."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from chalicelib.downloads.counter import ALL, DownloadCounter, today
from chalicelib.errors import StorageUnavailableError
from chalicelib.storage.embedded.database import SqliteDatabase
from chalicelib.storage.embedded.downloads import SqliteDownloadStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Flaky(SqliteDownloadStore):
    """The real embedded store, failing on demand (as a DynamoDB outage would)."""

    fail = False
    batches = 0

    def add_counts(self, counts: Mapping[tuple[str, str, str], int]) -> None:
        if self.fail:
            raise StorageUnavailableError("DynamoDB did not answer")
        self.batches += 1
        super().add_counts(counts)


def store(tmp_path: Path) -> Flaky:
    return Flaky(SqliteDatabase(str(tmp_path / "db.sqlite3")))


def test_downloads_are_stored_in_batches(tmp_path: Path) -> None:
    clock, counts = Clock(), store(tmp_path)
    counter = DownloadCounter(counts, flush_seconds=30, max_keys=100, clock=clock)
    for _ in range(5):
        counter.record("foo", "1.0.0")
    counter.record("foo", "1.1.0")
    assert counts.batches == 0
    clock.now += 30
    counter.record("bar", "2.0.0")  # the oldest waited long enough: this one flushes
    assert counts.batches == 1
    day = today()
    assert counts.daily("foo", day, day) == {day: 6}
    assert counts.daily("bar", day, day) == {day: 1}
    assert counts.daily(ALL, day, day) == {day: 7}


def test_many_distinct_keys_flush_early(tmp_path: Path) -> None:
    counts = store(tmp_path)
    counter = DownloadCounter(counts, flush_seconds=3600, max_keys=3, clock=Clock())
    counter.record("a", "1.0.0")  # two keys: a@1.0.0 and the total
    assert counts.batches == 0
    counter.record("b", "1.0.0")  # a, b and the total: three keys
    assert counts.batches == 1


def test_a_failed_batch_is_kept_for_the_next(tmp_path: Path) -> None:
    counts = store(tmp_path)
    counter = DownloadCounter(counts, flush_seconds=3600, clock=Clock())
    counter.record("foo", "1.0.0")
    counts.fail = True
    counter.flush()
    counts.fail = False
    counter.record("foo", "1.0.0")
    counter.flush()
    day = today()
    assert counts.daily("foo", day, day) == {day: 2}
    counter.flush()  # nothing waiting: no batch
    assert counts.batches == 1
