"""Which upstream a name is fetched from, if any, and whether it may be fetched at all.

Routes are configuration (`TARBOX_UPSTREAMS`): `*=<url>` for every name, `@scope=<url>` for one
scope, each name to exactly one origin. A name this registry has (a package, a tombstone) or
whose scope someone here holds (a user's own scope, an org's) is never fetched: a package
published upstream under such a name can never stand in for the one here (dependency
confusion).
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.packuments.names import scope_of
from chalicelib.registry import Registry
from chalicelib.settings import Settings


@dataclass(frozen=True)
class Upstream:
    url: str  # without a trailing slash
    token: str | None = None  # sent to this origin only


def upstream_for(settings: Settings, name: str) -> Upstream | None:
    """The origin `name` is routed to: its scope's route, else `*`'s, else none."""
    routes = dict(settings.upstreams)
    scope = scope_of(name)
    route = f"@{scope}" if scope is not None and f"@{scope}" in routes else "*"
    if route not in routes:
        return None
    return Upstream(routes[route], dict(settings.upstream_tokens).get(route))


def may_fetch(registry: Registry, name: str) -> Upstream | None:
    """The origin to fetch `name` from, when it may be: never a name or scope held here."""
    upstream = upstream_for(registry.settings, name)
    if upstream is None or registry.packages.get_package(name) is not None:
        return None
    scope = scope_of(name)
    if scope is not None and registry.accounts.get_scope(scope) is not None:
        return None
    return upstream
