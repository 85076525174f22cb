"""A package written from a copy of it (a mirror's source, an export): checked as a whole against
the rules of the document first (`check_transition` with no one asking: a copy keeps its
source's people and history), then its blobs, then its versions in the order they were
published, each with the package item, one store write each, then the item as the copy has it.
The rules of a rev (one more per write) and of the change log hold as for a publish."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from chalicelib.changes.events import published
from chalicelib.packuments.invariants import check_transition, view_of
from chalicelib.storage.ports.blobs import BlobStore
from chalicelib.storage.ports.packages import PackageStore
from chalicelib.storage.records import PackageRecord, VersionRecord
from chalicelib.writes.pipeline import commit_change

Blob = tuple[str, bytes, str]  # key, bytes, content type


def write_copy(  # noqa: PLR0913 - the last three are keyword-only options
    packages: PackageStore,
    blobs: BlobStore,
    stored: PackageRecord | None,
    target: PackageRecord,
    have: list[VersionRecord],
    records: list[VersionRecord],
    *,
    files: Sequence[Blob],
    announce: bool,
    keep_rev: bool = False,
) -> tuple[PackageRecord | None, bool]:
    """Write `records` (versions `have` lacks) and then `target`, the item as the copy has it,
    over `stored`; `files` (their tarballs, bundles: already checked against their manifests)
    once the whole is checked against the rules, before the versions that name them. Returns the
    item as it stands after (None: there was nothing to write) and whether anything was written.
    `announce`: the writes carry their events for hooks (a mirror's copies are news; an import's
    are the past). `keep_rev`: the item keeps the copy's rev when that is higher than this
    registry's, so a `_rev` a client read from the old registry mostly stays current (an
    import)."""
    before = view_of(stored, have) if stored is not None else None
    check_transition(before, view_of(target, [*have, *records]), None)
    for key, data, content_type in files:
        blobs.put(key, data, content_type)
    current = _replay_versions(packages, stored, target, records, announce=announce)
    if current is None:
        return None, False
    rev = max(target.rev, current.rev + 1) if keep_rev else current.rev + 1
    final = replace(target, rev=rev)
    if replace(final, rev=current.rev, modified=current.modified) == current:
        return current, bool(records)  # an earlier run wrote it, or nothing changed
    versions = [*have, *records]
    commit_change(packages, current, final, versions, None, announce=announce)
    return final, True


def _replay_versions(
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
