"""Which upstream a name is fetched from, if any, and whether it may be fetched at all.

Routes are configuration (`TARBOX_UPSTREAMS`): `*=<url>` for every name, `@scope=<url>` for one
scope, each name to exactly one origin. A name this registry has (a package, a tombstone) or
whose scope someone here holds (a user's own scope, an org's) is never fetched: a package
published upstream under such a name can never stand in for the one here (dependency
confusion). The operator's lists narrow it further: `TARBOX_UPSTREAM_ALLOW` (only these names
or patterns) and `TARBOX_UPSTREAM_DENY` (never these).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from chalicelib.errors import PackageNotFoundError
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
    """The origin to fetch `name` from, when it may be: never a name or scope held here, nor
    one the operator's lists keep out."""
    upstream = upstream_for(registry.settings, name)
    if upstream is None or registry.packages.get_package(name) is not None:
        return None
    if not allowed(registry.settings, name):
        raise PackageNotFoundError(
            f"{name} is not in this registry, and its upstream policy does not fetch it"
            " (TARBOX_UPSTREAM_ALLOW, TARBOX_UPSTREAM_DENY)"
        )
    scope = scope_of(name)
    if scope is not None and registry.accounts.get_scope(scope) is not None:
        return None
    return upstream


def allowed(settings: Settings, name: str) -> bool:
    """Whether the operator's lists let `name` be fetched: on the allow list when there is one
    (say `@types/*` for a scope), and on no deny list."""

    def listed(patterns: tuple[str, ...]) -> bool:
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)

    return (not settings.upstream_allow or listed(settings.upstream_allow)) and not listed(
        settings.upstream_deny
    )
