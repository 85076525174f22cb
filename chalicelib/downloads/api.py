"""The download counts API in api.npmjs.org's shape (download-counts.md):

    /downloads/point/{period}[/{pkg}]  -> {"downloads", "start", "end", "package"}
    /downloads/range/{period}[/{pkg}]  -> {"downloads": [{"day", "downloads"}], "start", …}

Without a package, the registry's total. `a,b,c` asks for several unscoped packages at once
(at most 128; npm refuses scoped names in bulk), answered by name, `null` for a missing one. A
private package counts only for those who may read it; for anyone else it is missing, with the
very answer a missing name gets.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from chalicelib.acl.guard import may_read
from chalicelib.auth.service import Actor
from chalicelib.downloads.counter import ALL
from chalicelib.downloads.periods import period_days
from chalicelib.errors import InvalidQueryError, PackageNotFoundError
from chalicelib.registry import Registry
from chalicelib.storage.ports.downloads import DownloadStore
from chalicelib.storage.records import JSON

BULK_LIMIT = 128


def last_month(downloads: DownloadStore, name: str) -> int:
    """The package's downloads in the last 30 days: what search's popularity is made of."""
    start, end = period_days("last-month")
    return sum(downloads.daily(name, start.isoformat(), end.isoformat()).values())


def point(registry: Registry, actor: Actor | None, period: str, names: str | None) -> JSON:
    start, end = period_days(period)

    def one(name: str) -> JSON:
        days = registry.downloads.daily(name, start.isoformat(), end.isoformat())
        found: JSON = {"downloads": sum(days.values()), "start": str(start), "end": str(end)}
        return found if name == ALL else {**found, "package": name}

    return _answer(registry, actor, names, one)


def days_range(registry: Registry, actor: Actor | None, period: str, names: str | None) -> JSON:
    start, end = period_days(period)

    def one(name: str) -> JSON:
        days = registry.downloads.daily(name, start.isoformat(), end.isoformat())
        listed = [{"downloads": days.get(day, 0), "day": day} for day in _each_day(start, end)]
        found: JSON = {"start": str(start), "end": str(end), "downloads": listed}
        return found if name == ALL else {**found, "package": name}

    return _answer(registry, actor, names, one)


def _answer(
    registry: Registry, actor: Actor | None, names: str | None, one: Callable[[str], JSON]
) -> JSON:
    if names is None:
        return one(ALL)
    wanted = [n for n in names.split(",") if n]
    if len(wanted) == 1 and "," not in names:
        _require_visible(registry, actor, wanted[0])
        return one(wanted[0])
    if len(wanted) > BULK_LIMIT:
        raise InvalidQueryError(f"at most {BULK_LIMIT} packages at once")
    if any(name.startswith("@") for name in wanted):
        raise InvalidQueryError("scoped packages are not supported in bulk queries")
    packages = registry.packages.get_packages(wanted)
    return {
        name: one(name)
        if (p := packages.get(name)) is not None
        and p.tombstone is None
        and may_read(registry, actor, p)
        else None
        for name in wanted
    }


def _require_visible(registry: Registry, actor: Actor | None, name: str) -> None:
    package = registry.packages.get_package(name)
    if package is None or package.tombstone is not None or not may_read(registry, actor, package):
        raise PackageNotFoundError(f"package {name} not found")


def _each_day(start: date, end: date) -> list[str]:
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
