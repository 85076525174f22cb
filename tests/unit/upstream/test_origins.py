"""The read-through cache's routing, without a registry: each name to exactly one upstream."""

from __future__ import annotations

import pytest

from chalicelib.settings import Settings, SettingsError
from chalicelib.upstream.origins import Upstream, upstream_for


def test_a_scope_route_wins_over_the_default_and_tokens_go_with_their_route() -> None:
    settings = Settings.from_env(
        {
            "TARBOX_UPSTREAMS": "*=https://registry.npmjs.org/,@corp=https://npm.corp.example",
            "TARBOX_UPSTREAM_TOKENS": "@corp=s3cret",
        }
    )
    assert upstream_for(settings, "lodash") == Upstream("https://registry.npmjs.org")
    assert upstream_for(settings, "@types/node") == Upstream("https://registry.npmjs.org")
    assert upstream_for(settings, "@corp/tool") == Upstream("https://npm.corp.example", "s3cret")
    assert settings.upstream_ttl == 300


def test_none_by_default_and_only_the_routes_given() -> None:
    assert upstream_for(Settings.from_env({}), "lodash") is None
    only_corp = Settings.from_env({"TARBOX_UPSTREAMS": "@corp=https://npm.corp.example"})
    assert upstream_for(only_corp, "lodash") is None
    assert upstream_for(only_corp, "@corp/tool") is not None


@pytest.mark.parametrize(
    "bad",
    [
        "registry.npmjs.org",  # no route
        "*=registry.npmjs.org",  # not a URL
        "lodash=https://registry.npmjs.org",  # a route is * or @scope
        "*=https://a.example,*=https://b.example",  # one origin per name
    ],
)
def test_bad_routes_fail_fast(bad: str) -> None:
    with pytest.raises(SettingsError, match="TARBOX_UPSTREAMS"):
        Settings.from_env({"TARBOX_UPSTREAMS": bad})
