"""DownloadStore contract: counts add up (never replace), by day, over inclusive ranges, and two
batches at once lose nothing."""

from __future__ import annotations

from chalicelib.storage.ports.downloads import DownloadStore
from tests.contract.support import run_threads


def test_counts_add_up_by_day(download_store: DownloadStore) -> None:
    download_store.add_counts(
        {
            ("foo", "1.0.0", "2026-11-30"): 2,
            ("foo", "1.1.0", "2026-11-30"): 1,
            ("foo", "1.1.0", "2026-12-01"): 4,
            ("@s/bar", "1.0.0", "2026-12-01"): 7,
            ("*", "", "2026-12-01"): 11,
        }
    )
    download_store.add_counts({("foo", "1.1.0", "2026-12-01"): 1})
    assert download_store.daily("foo", "2026-11-01", "2026-12-31") == {
        "2026-11-30": 3,
        "2026-12-01": 5,
    }
    assert download_store.daily("foo", "2026-12-01", "2026-12-01") == {"2026-12-01": 5}
    assert download_store.daily("foo", "2026-12-02", "2026-12-31") == {}
    assert download_store.daily("@s/bar", "2026-12-01", "2026-12-01") == {"2026-12-01": 7}
    assert download_store.daily("*", "2026-12-01", "2026-12-01") == {"2026-12-01": 11}
    assert download_store.daily("missing", "2026-01-01", "2026-12-31") == {}


def test_batches_at_once_lose_nothing(download_store: DownloadStore) -> None:
    def add(i: int) -> None:
        download_store.add_counts({("foo", "1.0.0", "2026-12-01"): 1, ("*", "", "2026-12-01"): 1})

    assert run_threads(6, add) == []
    assert download_store.daily("foo", "2026-12-01", "2026-12-01") == {"2026-12-01": 6}
    assert download_store.daily("*", "2026-12-01", "2026-12-01") == {"2026-12-01": 6}
