"""Counting the downloads the CDN served without the registry (AWS): a public tarball comes from
its public copy (packuments/edge.py), so no request of ours sees it. CloudFront's standard
access logs do; the background round reads the new ones, adds their tarball downloads to the
counts, and deletes them.

Each log is claimed first (an expiring item, created once), so two rounds running at once never
count one log twice. A round that dies between its claim and its delete loses that log's counts:
download counts are statistics, as npm's are, not a ledger (downloads/counter.py).
"""

from __future__ import annotations

import time
from collections import Counter
from urllib.parse import unquote

from chalicelib.downloads.counter import ALL, Key
from chalicelib.errors import ConflictError, TarballNotFoundError
from chalicelib.packuments.tarballs import version_from_file
from chalicelib.registry import Registry
from chalicelib.storage.ports import Expiring

LOGS_PER_ROUND = 20
CLAIM = "edge-log"
# Longer than a log waits in the bucket (its lifecycle rule, infra/template.json).
CLAIM_SECONDS = 8 * 24 * 3600


def count_edge_downloads(registry: Registry, limit: int = LOGS_PER_ROUND) -> int:
    """Count up to `limit` new logs; returns how many this round counted."""
    edge = registry.edge
    if edge is None:
        return 0
    counted = 0
    for log in edge.access_logs(limit):
        try:
            registry.ephemeral.put_new(Expiring(CLAIM, log, {}, time.time() + CLAIM_SECONDS))
        except ConflictError:
            continue  # another round has it
        data = edge.read_log(log)
        counts = tarball_downloads(data.decode("utf-8", "replace")) if data else Counter()
        if counts:
            registry.downloads.add_counts(dict(counts))
        edge.delete_log(log)
        counted += 1
    return counted


def tarball_downloads(log: str) -> Counter[Key]:
    """The tarballs a standard log (tab-separated, described by its `#Fields:` line) says were
    sent whole: GETs answered 200. The copies are of public packages only, so each download
    counts toward the registry's total too."""
    counts: Counter[Key] = Counter()
    fields: list[str] = []
    for line in log.splitlines():
        if line.startswith("#Fields:"):
            fields = line.split()[1:]
            continue
        if not line or line.startswith("#"):
            continue
        row = dict(zip(fields, line.split("\t"), strict=False))
        if row.get("cs-method") != "GET" or row.get("sc-status") != "200":
            continue
        found = _tarball(row.get("cs-uri-stem", ""))
        day = row.get("date", "")
        if found is not None and day:
            counts[(*found, day)] += 1
            counts[(ALL, "", day)] += 1
    return counts


def _tarball(path: str) -> tuple[str, str] | None:
    """(name, version) from `/{name}/-/{file}.tgz` (the log escapes the path)."""
    name, separator, file = unquote(path).lstrip("/").partition("/-/")
    if not separator or not name or "/" in file:
        return None
    try:
        return name, version_from_file(name, file)
    except TarballNotFoundError:
        return None
