"""A package written from a copy of it (a mirror's source, an export): its versions in the order
they were published, each with the package item, one store write each. The rules of a rev (one
more per write) and of the change log hold as for a publish; the caller then writes the item as
the copy has it."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.changes.events import published
from chalicelib.storage.ports import PackageRecord, PackageStore, VersionRecord


def replay_versions(
    store: PackageStore,
    stored: PackageRecord | None,
    target: PackageRecord,
    records: list[VersionRecord],
    *,
    announce: bool,
) -> PackageRecord | None:
    """The package item after the last version written (`stored` when there were none).
    `announce`: each write carries its publish event for hooks (a mirror's copies are news; an
    import's are the past, which no hook hears of)."""
    current = stored
    for record in sorted(records, key=lambda r: r.published):
        tags = {"latest": record.version} if current is None else current.dist_tags
        step = replace(target, dist_tags=tags, tombstone=None)
        events = published(record.version, {}) if announce else ()
        if current is None:
            current = replace(step, rev=1)
            store.create_package(current, record, events)
        else:
            revived = current.tombstone is not None
            nxt = replace(step, rev=current.rev + 1)
            store.add_version(nxt, record, current.rev, events, revived=revived)
            current = nxt
    return current
