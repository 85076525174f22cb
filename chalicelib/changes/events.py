"""What a write did, in npm hooks' event words (`package:publish`, `package:dist-tag`, …).

A pure diff of the package before and after the write, so no write path has to say what it
did: the event names and `change` shapes follow npm's hooks payload documentation
(hooks-payload.md: `change` carries `version`, `dist-tag`, `maintainer`, `user`, `deprecated`).
"""

from __future__ import annotations

from chalicelib.storage.records import JSON, PackageRecord


def _event(kind: str, **change: str) -> JSON:
    return {"event": f"package:{kind}", "change": change}


def published(version: str, dist_tags: dict[str, str]) -> tuple[JSON, ...]:
    tags = sorted(tag for tag, target in dist_tags.items() if target == version)
    change = {"version": version, **({"dist-tag": tags[0]} if tags else {})}
    return (_event("publish", **change),)


def events_of(old: PackageRecord, new: PackageRecord) -> tuple[JSON, ...]:
    """The events that take `old` to `new`; `package:change` when none of the named ones
    does (access, mfa, readme…)."""
    if new.tombstone is not None:
        return (_event("unpublish"),)
    found = [
        *(_event("unpublish", version=v) for v in sorted(new.unpublished.keys() - old.unpublished)),
        *_tags(old.dist_tags, new.dist_tags),
        *_added_removed(old, new),
        *_deprecations(old.deprecated, new.deprecated),
    ]
    return tuple(found) or (_event("change"),)


def _tags(old: dict[str, str], new: dict[str, str]) -> list[JSON]:
    moved = [
        _event("dist-tag", **{"dist-tag": tag, "version": version})
        for tag, version in sorted(new.items())
        if old.get(tag) != version
    ]
    return moved + [_event("dist-tag-rm", **{"dist-tag": tag}) for tag in sorted(old.keys() - new)]


def _added_removed(old: PackageRecord, new: PackageRecord) -> list[JSON]:
    was = {m.name for m in old.maintainers}
    now = {m.name for m in new.maintainers}
    stars_was = {user for user, on in old.users.items() if on}
    stars_now = {user for user, on in new.users.items() if on}
    return [
        *(_event("owner", maintainer=user) for user in sorted(now - was)),
        *(_event("owner-rm", maintainer=user) for user in sorted(was - now)),
        *(_event("star", user=user) for user in sorted(stars_now - stars_was)),
        *(_event("unstar", user=user) for user in sorted(stars_was - stars_now)),
    ]


def _deprecations(old: dict[str, str], new: dict[str, str]) -> list[JSON]:
    return [
        *(
            _event("deprecated", version=v, deprecated=message)
            for v, message in sorted(new.items())
            if old.get(v) != message
        ),
        *(_event("undeprecated", version=v) for v in sorted(old.keys() - new)),
    ]
