"""The real npm catalog (`../shared/data/npm-packages.tsv.gz`) as search entries, for the search
benchmark and the relevance suite. Each row becomes the package and latest version a publish
would have stored, indexed by the same `entry_for`, with the row's monthly downloads."""

from __future__ import annotations

import csv
import fcntl
import gzip
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from chalicelib.search.document import entry_for
from chalicelib.storage.ports import Maintainer, PackageRecord, SearchEntry, VersionRecord

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT.parent / "shared" / "data" / "npm-packages.tsv.gz"
# What the built index depends on: a change to any of these builds it again.
INDEX_SOURCES = (
    "chalicelib/search/document.py",
    "chalicelib/search/text.py",
    "chalicelib/storage/sqlite_search.py",
    "tests/search_catalog.py",
)
WHEN = "2026-06-01T00:00:00.000Z"


def catalog_rows(path: Path = CATALOG) -> Iterator[tuple[str, str, int, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as file:
        reader = csv.reader(file, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for row in reader:
            name, version, downloads, description = [*row, "", "", "", ""][:4]
            yield name, version, int(downloads or 0), description


def catalog_entry(name: str, version: str, downloads: int, description: str) -> SearchEntry:
    manifest = {"name": name, "version": version, "description": description}
    package = PackageRecord(
        name=name,
        rev=1,
        dist_tags={"latest": version},
        maintainers=(Maintainer("npm", "npm@example.com"),),
        access="public",
        created=WHEN,
        modified=WHEN,
        meta={"description": description},
    )
    latest = VersionRecord(name, version, manifest, "", WHEN, "npm")
    return entry_for(package, latest, downloads)


def catalog_index() -> Path:
    """A data dir whose search index holds the whole catalog: built once (about a minute) into
    .cache/, keyed by the catalog and the code that builds it, under a lock so parallel test
    workers build it once between them."""
    digest = hashlib.sha256(CATALOG.read_bytes())
    for source in INDEX_SOURCES:
        digest.update((ROOT / source).read_bytes())
    where = ROOT / ".cache" / f"search-catalog-{digest.hexdigest()[:16]}"
    where.parent.mkdir(exist_ok=True)
    with (where.parent / "search-catalog.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (where / "complete").exists():
            _build(where)
    return where


def _build(where: Path) -> None:
    from chalicelib.storage.sqlite import SqliteDatabase
    from chalicelib.storage.sqlite_search import SqliteSearchStore

    where.mkdir(exist_ok=True)
    database = where / "tarbox.sqlite3"
    for stale in where.glob("tarbox.sqlite3*"):
        os.unlink(stale)
    store = SqliteSearchStore(SqliteDatabase(str(database)))
    batch: list[SearchEntry] = []
    for row in catalog_rows():
        batch.append(catalog_entry(*row))
        if len(batch) == 5000:
            store.put_entries(batch)
            batch = []
    store.put_entries(batch)
    (where / "complete").write_text("ok\n")
