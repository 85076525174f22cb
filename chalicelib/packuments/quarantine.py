"""The release-age quarantine: a registry (or an org, for its scope) may hide versions younger
than N hours from everyone, as if they were not published yet. npm, pnpm and yarn then install
the newest version old enough; `latest` moves back to it; the young versions' tarballs are
refused; their manifests answer 404. Off by default (npm's own semantics).

It guards against what npm's `min-release-age` guards against (a malicious release, usually
found and removed within hours), for every client of the registry at once, whatever its
settings. Configured by the operator (settings.py): `TARBOX_QUARANTINE_HOURS` for every
package, `TARBOX_QUARANTINE_ORGS` per scope, `TARBOX_QUARANTINE_EXCEPT` for the packages (or
`@scope/*`) it never applies to.

Documents are rendered once per change and stored; a quarantine changes a document as time
passes, with no change to the package. So the stored render is filtered when read, and only
while it can matter: within N hours of the package's last change (every publish is one). After
that no version can be young enough, and the stored render is served as it is.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.clock import parse_iso
from chalicelib.packuments.names import scope_of
from chalicelib.packuments.versions import is_prerelease, precedence_key
from chalicelib.settings import Settings
from chalicelib.storage.records import PackageRecord


@dataclass(frozen=True)
class Quarantine:
    hours: float
    cutoff: datetime  # versions published after it are hidden

    def hides(self, published: str) -> bool:
        try:
            return parse_iso(published) > self.cutoff
        except (ValueError, TypeError):  # an upstream's (upstream/): its age is not known
            return False

    def until(self, published: str) -> datetime:
        return parse_iso(published) + timedelta(hours=self.hours)


def quarantine_for(
    settings: Settings, package: PackageRecord, now: datetime | None = None
) -> Quarantine | None:
    """The quarantine that may hide some of the package's versions now; None when none can."""
    return changed_quarantine(settings, package.name, package.modified, now)


def changed_quarantine(
    settings: Settings, name: str, modified: str, now: datetime | None = None
) -> Quarantine | None:
    """The same, for a package last changed at `modified` ("": not known, so it may)."""
    hours = quarantine_hours(settings, name)
    if hours <= 0:
        return None
    quarantine = Quarantine(hours, (now or clock.now()) - timedelta(hours=hours))
    # Every publish changes the package: changed before the cutoff, nothing is young enough.
    if modified and not quarantine.hides(modified) and _known(modified):
        return None
    return quarantine


def _known(moment: str) -> bool:
    """An upstream's document may say anything: a time without a zone is no time here."""
    try:
        return parse_iso(moment).tzinfo is not None
    except ValueError:
        return False


def quarantine_hours(settings: Settings, name: str) -> float:
    if not (settings.quarantine_hours or settings.quarantine_orgs):
        return 0  # off: every read asks, and pays nothing more
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in settings.quarantine_except):
        return 0
    scope = scope_of(name)
    by_org = dict(settings.quarantine_orgs)
    if scope is not None and scope in by_org:
        return by_org[scope]
    return settings.quarantine_hours


def version_quarantine(
    settings: Settings, package: PackageRecord, published: str, now: datetime | None = None
) -> Quarantine | None:
    """The quarantine that hides a version published at `published`, if one does now."""
    quarantine = quarantine_for(settings, package, now)
    return quarantine if quarantine is not None and quarantine.hides(published) else None


def quarantined(
    document: dict[str, Any], quarantine: Quarantine
) -> tuple[dict[str, Any], list[str]]:
    """The document (full or abbreviated) without the versions the quarantine hides, and those
    versions. `latest` moves to the newest release still shown; other tags on hidden versions
    go, as they would if the versions were not published yet."""
    times: dict[str, Any] = document.get("time") or {}
    versions: dict[str, Any] = document.get("versions") or {}
    hidden = sorted(
        v for v in versions if isinstance(times.get(v), str) and quarantine.hides(times[v])
    )
    if not hidden:
        return document, []
    shown = {v: m for v, m in versions.items() if v not in hidden}
    tags = tags_shown(document.get("dist-tags") or {}, shown, hidden)
    time = {k: t for k, t in times.items() if k not in hidden}
    return {**document, "versions": shown, "dist-tags": tags, "time": time}, hidden


def tags_shown(tags: dict[str, str], shown: Iterable[str], hidden: Iterable[str]) -> dict[str, str]:
    """The dist-tags without those on hidden versions; `latest` moved to the newest release
    shown instead."""
    held = set(hidden)
    kept = {t: v for t, v in tags.items() if v not in held}
    if "latest" not in kept and (newest := newest_release(shown)) is not None:
        kept["latest"] = newest
    return kept


def newest_release(versions: Iterable[str]) -> str | None:
    """The highest version that is not a prerelease, else the highest."""
    ordered = sorted(versions, key=precedence_key)
    releases = [v for v in ordered if not is_prerelease(v)]
    found = releases or ordered
    return found[-1] if found else None
