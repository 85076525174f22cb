"""`npm search` with the real npm, on both backends: a package is found by a word of its name,
its keywords or its description, in that order; a private package only by those who may read it.
And the relevance suite (tests/search/relevance.py) through `npm search`, over the catalog the
suite runs over (tests/search_catalog.py: the sample in the repo, or $TARBOX_CATALOG)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.e2e.harness import (
    Registry,
    Workspace,
    a_library,
    add_user,
    subscribe,
    tarbox_server,
    unique,
)
from tests.search.relevance import RELEVANCE, check
from tests.search_catalog import catalog_index


def names(result: str) -> list[str]:
    return [found["name"] for found in json.loads(result)]


def test_npm_search_finds_by_name_keyword_and_description(
    tmp_path: Path, registry: Registry
) -> None:
    owner = unique("finder")
    o = Workspace(tmp_path / "owner", registry, token=add_user(registry, owner))
    word = unique("zq").replace("-", "")  # a word no other test publishes
    by_name = f"{word}-core"
    by_keyword = unique("tools")
    by_description = unique("helper")
    secret = f"@{owner}/{word}-secret"
    shared = {"license": "MIT", "repository": "github:x/y"}
    o.run(
        "npm", "publish", cwd=a_library(o.root, by_description, description=f"for {word}", **shared)
    ).ok()
    o.run(
        "npm",
        "publish",
        cwd=a_library(o.root, by_keyword, keywords=[word], description="tools", **shared),
    ).ok()
    o.run("npm", "publish", cwd=a_library(o.root, by_name, description="core", **shared)).ok()
    subscribe(registry, owner)
    o.run("npm", "publish", cwd=a_library(o.root, secret, description=word, **shared)).ok()

    stranger = Workspace(tmp_path / "stranger", registry, token=add_user(registry, unique("s")))
    anonymous = Workspace(tmp_path / "anonymous", registry)
    for machine in (stranger, anonymous):
        result = machine.run("npm", "search", word, "--json").ok()
        assert names(result.out) == [by_name, by_keyword, by_description]
        listed = machine.run("npm", "search", word).ok().out
        assert by_name in listed and "secret" not in listed
    mine = names(o.run("npm", "search", word, "--json").ok().out)
    assert set(mine) == {by_name, by_keyword, by_description, secret}
    assert names(o.run("npm", "search", f"keywords:{word}", "--json").ok().out) == [by_keyword]
    nothing = anonymous.run("npm", "search", unique("nothing")).ok()
    assert "No matches found" in nothing.out


@pytest.mark.xdist_group("catalog")
def test_npm_search_over_the_real_catalog(tmp_path: Path) -> None:
    """The relevance suite through the real CLI, against a server holding the catalog (the
    sample in the repo, or $TARBOX_CATALOG, such as the whole one; embedded backend)."""
    data = tmp_path / "server" / "data"
    data.mkdir(parents=True)
    shutil.copy(catalog_index() / "tarbox.sqlite3", data / "tarbox.sqlite3")
    # The catalog's popularity is its own (npm's downloads), not counted here: a refresh would
    # index it all again from this registry's counts (none) while the suite runs.
    with tarbox_server(tmp_path / "server", {"TARBOX_SEARCH_REFRESH_HOURS": "0"}) as server:
        machine = Workspace(tmp_path / "searcher", server)
        for query, expected, within in RELEVANCE:
            result = machine.run("npm", "search", *query.split(), "--json").ok()
            check(query, expected, within, names(result.out))
        listed = machine.run("npm", "search", "terminal", "string", "styling").ok().out
        assert "chalk" in listed and "Terminal string styling done right" in listed
