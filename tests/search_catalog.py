"""The npm catalog as search entries, for the relevance suite and the search benchmark. Each row
becomes the package and latest version a publish would have stored, indexed by the same
`entry_for`, with the row's monthly downloads.

The relevance suite runs over SAMPLE, a slice of the real catalog kept in the repo
(tests/fixtures/catalog_sample/README.md: which rows, and why its results are the full
catalog's), so `make test` needs nothing outside the checkout. `TARBOX_CATALOG=<path>` runs it
over another catalog instead, such as the whole one (`make relevance-full`)."""

from __future__ import annotations

import csv
import fcntl
import gzip
import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.search.document import entry_for
from chalicelib.storage.records import Maintainer, PackageRecord, SearchEntry, VersionRecord

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "fixtures" / "catalog_sample" / "catalog-sample.tsv.gz"
# The queries SAMPLE was made for, one a line (written with it).
SAMPLE_QUERIES = SAMPLE.parent / "queries.txt"
# The team's copy of the whole catalog (about 227,000 packages, 6 MB), beside the checkout: what
# `make relevance-full`, the benchmarks and the sample's script read by default; no test does.
FULL_CATALOG = ROOT.parent / "shared" / "data" / "npm-packages.tsv.gz"


def _catalog() -> Path:
    """$TARBOX_CATALOG if set (opt in: the whole catalog, say), else the sample in the repo."""
    chosen = os.environ.get("TARBOX_CATALOG")
    return Path(chosen).expanduser().resolve() if chosen else SAMPLE


CATALOG = _catalog()
# What the built index depends on: a change to any of these builds it again.
INDEX_SOURCES = (
    "chalicelib/search/document.py",
    "chalicelib/search/text.py",
    "chalicelib/storage/embedded/search.py",
    "chalicelib/storage/embedded/schema.sql",
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


def catalog_package(name: str, version: str, description: str) -> PackageRecord:
    return PackageRecord(
        name=name,
        rev=1,
        dist_tags={"latest": version},
        maintainers=(Maintainer("npm", "npm@example.com"),),
        access="public",
        created=WHEN,
        modified=WHEN,
        meta={"description": description},
    )


def catalog_entry(name: str, version: str, downloads: int, description: str) -> SearchEntry:
    manifest = {"name": name, "version": version, "description": description}
    latest = VersionRecord(name, version, manifest, "", WHEN, "npm")
    return entry_for(catalog_package(name, version, description), latest, downloads)


def load_catalog(database: Path, limit: int | None = None, catalog: Path = CATALOG) -> int:
    """Every catalog row as a package (the records search reads for access) and its search
    entry, into the embedded database at `database`. The package rows go straight into the
    packages table, as a bulk load: a publish per row would take an hour and write tarballs no
    search reads."""
    from chalicelib.storage.codec import package_to_json
    from chalicelib.storage.embedded.database import SqliteDatabase
    from chalicelib.storage.embedded.search import SqliteSearchStore

    db = SqliteDatabase(str(database))
    store = SqliteSearchStore(db)
    count = 0
    batch: list[tuple[str, str, int, str]] = []
    for row in catalog_rows(catalog):
        if limit is not None and count >= limit:
            break
        if row[0] != row[0].lower():
            # 141 names from before npm's lower-case rule (`Express`, `Buffer`): this registry
            # lets no two names differ only by case, and the lower-case package is the one
            # people mean.
            continue
        batch.append(row)
        count += 1
        if len(batch) == 5000:
            _load(db, store, batch, package_to_json)
            batch = []
    _load(db, store, batch, package_to_json)
    return count


def _load(db: Any, store: Any, rows: list[tuple[str, str, int, str]], to_json: Any) -> None:
    with db.transaction() as conn:
        conn.executemany(
            "INSERT OR IGNORE INTO packages (name, lower_name, rev, doc) VALUES (?, ?, 1, ?)",
            [
                (name, name.lower(), to_json(catalog_package(name, version, description)))
                for name, version, _, description in rows
            ],
        )
    store.put_entries([catalog_entry(*row) for row in rows])


def catalog_index(catalog: Path = CATALOG) -> Path:
    """A data dir whose search index holds `catalog`: built once into .cache/ (a few seconds for
    the sample, about a minute for the whole catalog), keyed by the catalog and the code that
    builds it, under a lock so parallel test workers build it once between them."""
    if not catalog.exists():  # no skip: the relevance suite is what proves search works
        pytest.fail(f"no npm catalog at {catalog} (TARBOX_CATALOG, or the sample in the repo)")
    digest = hashlib.sha256(catalog.read_bytes())
    for source in INDEX_SOURCES:
        digest.update((ROOT / source).read_bytes())
    label = catalog.name.split(".", 1)[0]  # each catalog keeps its own index
    where = ROOT / ".cache" / f"search-{label}-{digest.hexdigest()[:16]}"
    where.parent.mkdir(exist_ok=True)
    with (where.parent / "search-catalog.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (where / "complete").exists():
            for stale in where.parent.iterdir():  # this catalog's, built from older code
                if stale.is_dir() and stale != where and _stale(stale.name, label):
                    shutil.rmtree(stale)
            _build(where, catalog)
    return where


def _stale(name: str, label: str) -> bool:
    # Also `search-catalog-<digest>`: the one index of before the sample, whatever its catalog.
    return any(
        re.fullmatch(rf"search-{re.escape(which)}-[0-9a-f]{{16}}", name)
        for which in (label, "catalog")
    )


def _build(where: Path, catalog: Path) -> None:
    where.mkdir(exist_ok=True)
    for stale in where.glob("tarbox.sqlite3*"):
        os.unlink(stale)
    load_catalog(where / "tarbox.sqlite3", catalog=catalog)
    (where / "complete").write_text("ok\n")
