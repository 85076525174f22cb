"""Counting the downloads the CDN served without the registry (AWS): a public tarball comes from
its public copy (writes/edge.py), so no request of ours sees it. CloudFront's standard
access logs do; the background round reads the new ones, adds their tarball downloads to the
counts, and deletes them.

Each log is claimed first (an expiring item, created once), so two rounds running at once never
count one log twice. The claim says "counting" for COUNTING_SECONDS: a round that fails part way
gives it back, and one that dies leaves it to expire, so the log is counted by a later round.
Once counted it says "counted" for longer than a log waits in the bucket, and the log is
deleted; a round that finds a log counted but not deleted (its round died in between) deletes
it. Rounds list past the logs they cannot claim, so a few stuck logs never stop the ones after
them. A round that dies after adding the counts and before marking them loses nothing but may
count that log again: download counts are statistics, as npm's are, not a ledger
(downloads/counter.py).
"""

from __future__ import annotations

import time
from collections import Counter
from urllib.parse import unquote

from chalicelib.downloads.counter import ALL, Key
from chalicelib.errors import ConflictError, TarballNotFoundError
from chalicelib.packuments.dist import version_from_file
from chalicelib.registry import Registry
from chalicelib.storage.ports.edge import EdgeStore
from chalicelib.storage.records import Expiring

LOGS_PER_ROUND = 20
PAGES_PER_ROUND = 10  # at most this many listings of the bucket per round
CLAIM = "edge-log"
COUNTING, COUNTED = "counting", "counted"
COUNTING_SECONDS = 15 * 60  # a round takes seconds
# Longer than a log waits in the bucket (its lifecycle rule, infra/template.json).
COUNTED_SECONDS = 8 * 24 * 3600


def count_edge_downloads(registry: Registry, limit: int = LOGS_PER_ROUND) -> int:
    """Count up to `limit` new logs; returns how many this round counted."""
    edge = registry.edge
    if edge is None:
        return 0
    counted, after = 0, None
    for _ in range(PAGES_PER_ROUND):
        logs = edge.access_logs(limit, after)
        for log in logs:
            if counted < limit and _count(registry, edge, log):
                counted += 1
        if counted >= limit or len(logs) < limit:
            break
        after = logs[-1]
    return counted


def _count(registry: Registry, edge: EdgeStore, log: str) -> bool:
    """Count one log unless another round has it; whether this one counted it."""
    claim = Expiring(CLAIM, log, {"state": COUNTING}, time.time() + COUNTING_SECONDS)
    try:
        registry.ephemeral.put_new(claim)
    except ConflictError:
        held = registry.ephemeral.get(CLAIM, log)
        if held is not None and held.doc.get("state") == COUNTED:
            edge.delete_log(log)  # its round died before deleting it
        return False
    try:
        data = edge.read_log(log)
        counts = tarball_downloads(data.decode("utf-8", "replace")) if data else Counter()
        if counts:
            registry.downloads.add_counts(dict(counts))
    except BaseException:
        registry.ephemeral.delete(CLAIM, log, expected_version=claim.version)  # not counted
        raise
    done = Expiring(
        CLAIM, log, {"state": COUNTED}, time.time() + COUNTED_SECONDS, claim.version + 1
    )
    registry.ephemeral.replace(done, expected_version=claim.version)
    edge.delete_log(log)
    return True


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
