"""The read-through cache end to end, on both backends: a second `tarbox serve` plays the public
registry (the upstream). Holding a real dependency tree (tests/fixtures/real_tree: 79 packages),
the real npm, pnpm and yarn install it through tarbox with nothing cached, then with the
upstream stopped (served from what was kept). Holding a small tree published by the test: after
the upstream removed a version, and in the dependency-confusion cases (a local package's name,
a scope held here, an upstream package published later under a local name)."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.e2e.harness import (
    Registry,
    Workspace,
    a_library,
    add_user,
    tarbox_on,
    unique,
    write_package,
)
from tests.e2e.test_clients import Pnpm, Yarn
from tests.fixtures import real_tree

# The tree: app-entry -> middle -> leaf (two versions), and a scoped package.
TREE = (
    ("leaf", "1.0.0", {}),
    ("leaf", "1.1.0", {}),
    ("middle", "2.0.0", {"leaf": "^1.0.0"}),
    ("@pub/util", "3.0.0", {}),
    ("entry", "1.0.0", {"middle": "^2.0.0", "@pub/util": "^3.0.0"}),
)


@dataclass
class Pair:
    upstream: Registry
    cache: Registry
    author: Workspace  # publishes to the upstream
    names: dict[str, str]  # the tree's names, made unique per pair


@pytest.fixture(params=["embedded", "aws"])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    """An upstream holding the tree, and a tarbox (on the backend) reading through to it."""
    (tmp_path / "upstream").mkdir()
    (tmp_path / "cache").mkdir()
    with tarbox_on(tmp_path / "upstream", "embedded", {}) as upstream:
        author = Workspace(tmp_path / "author", upstream, token=add_user(upstream, "author"))
        suffix = unique("t")[2:]
        names = {
            n: n.replace("@pub/", "@author/") + ("" if n.startswith("@") else f"-{suffix}")
            for n, _, _ in TREE
        }
        for name, version, deps in TREE:
            real = names[name]
            manifest = {
                "name": real,
                "version": version,
                "main": "index.js",
                "dependencies": {names[d]: r for d, r in deps.items()},
            }
            code = {"index.js": f"module.exports = {json.dumps(real + '@' + version)};\n"}
            folder = write_package(
                author.root / f"{real.replace('/', '+')}-{version}", manifest, code
            )
            author.run("npm", "publish", "--access=public", cwd=folder).ok()
        env = {"TARBOX_UPSTREAMS": f"*={upstream.url.rstrip('/')}", "TARBOX_UPSTREAM_TTL": "1"}
        with tarbox_on(tmp_path / "cache", request.param, env) as cache:
            yield Pair(upstream, cache, author, names)


def deep(machine: Workspace, project: Path, *chain: str) -> str:
    """The last of `chain` as the one before it sees it, and so on from the project: pnpm hoists
    no transitive dependency."""
    script = "let r = require;"
    for name in chain[:-1]:
        script += f"r = require('module').createRequire(r.resolve({json.dumps(name)}));"
    script += f"console.log(r({json.dumps(chain[-1])}))"
    return machine.run("node", "-e", script, cwd=project).ok().out.strip()


def reads_of(registry: Registry, path: str) -> int:
    """How often the cache asked the upstream for `path` (the upstream's request log)."""
    return sum(
        1
        for line in registry.log.read_text().splitlines()
        if line.startswith("{") and f'"path":"{path}"' in line and "tarbox-upstream" in line
    )


def test_a_version_the_upstream_removed_is_gone_here_at_the_next_revalidation(
    tmp_path: Path, pair: Pair
) -> None:
    leaf = pair.names["leaf"]
    assert "1.1.0" in requests.get(f"{pair.cache.url}{leaf}", timeout=30).json()["versions"]
    pair.author.run("npm", "unpublish", f"{leaf}@1.1.0", "--force").ok()
    time.sleep(1.5)  # past the TTL
    document = requests.get(f"{pair.cache.url}{leaf}", timeout=30).json()
    assert list(document["versions"]) == ["1.0.0"] and document["dist-tags"]["latest"] == "1.0.0"
    gone = requests.get(f"{pair.cache.url}{leaf}/-/{leaf}-1.1.0.tgz", timeout=30)
    assert gone.status_code == 404


def test_names_held_here_are_never_fetched(tmp_path: Path, pair: Pair) -> None:
    """Dependency confusion: a package here, a scope held here, and a package the upstream
    publishes later under a name taken here all stay this registry's."""
    leaf, util = pair.names["leaf"], pair.names["@pub/util"]
    # A local user named as the upstream's scope holds the scope here.
    local = Workspace(tmp_path / "local", pair.cache, token=add_user(pair.cache, "author"))
    assert (
        requests.get(f"{pair.cache.url}{util.replace('/', '%2f')}", timeout=30).status_code == 404
    )
    assert reads_of(pair.upstream, f"/{util.replace('/', '%2f')}") == 0

    # A name published here first, then upstream: the local one is served, always.
    late = f"late-{unique('n')}"
    local.run("npm", "publish", cwd=a_library(local.root, late, "0.0.1")).ok()
    asked = reads_of(pair.upstream, f"/{late}")  # npm publish reads it first: not there yet
    pair.author.run("npm", "publish", cwd=a_library(pair.author.root, late, "9.9.9")).ok()
    time.sleep(1.5)
    document = requests.get(f"{pair.cache.url}{late}", timeout=30).json()
    assert list(document["versions"]) == ["0.0.1"]
    assert reads_of(pair.upstream, f"/{late}") == asked
    # And the tree's names not held here still come from the upstream.
    assert "1.0.0" in requests.get(f"{pair.cache.url}{leaf}", timeout=30).json()["versions"]


def version_under(machine: Workspace, project: Path, *chain: str) -> str:
    """The version of the last of `chain` as the one before it sees it (see `deep`)."""
    script = "let r = require;"
    for name in chain[:-1]:
        script += f"r = require('module').createRequire(r.resolve({json.dumps(name)}));"
    script += f"console.log(r({json.dumps(chain[-1] + '/package.json')}).version)"
    return machine.run("node", "-e", script, cwd=project).ok().out.strip()


@pytest.fixture(params=["embedded", "aws"])
def real_pair(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Registry, Registry]]:
    """An upstream holding a real dependency tree (tests/fixtures/real_tree: express and
    cli-table3, 79 packages), and a tarbox on the backend reading through to it."""
    (tmp_path / "cache").mkdir()
    real_tree.load(tmp_path / "upstream" / "data")
    with tarbox_on(tmp_path / "upstream", "embedded", {}) as upstream:
        env = {"TARBOX_UPSTREAMS": f"*={upstream.url.rstrip('/')}", "TARBOX_UPSTREAM_TTL": "1"}
        with tarbox_on(tmp_path / "cache", request.param, env) as cache:
            yield upstream, cache


def test_clients_install_a_real_tree_through_the_cache_and_then_from_it_alone(
    tmp_path: Path, real_pair: tuple[Registry, Registry]
) -> None:
    upstream, cache = real_pair
    roots = [f"{name}@{version}" for name, version in real_tree.ROOTS.items()]
    npm = Workspace(tmp_path / "npm", cache)
    project = npm.project("app")
    npm.run("npm", "install", *roots, cwd=project).ok()
    lock = json.loads((project / "package-lock.json").read_text())
    resolved = [p["resolved"] for p in lock["packages"].values() if "resolved" in p]
    assert len(resolved) == real_tree.PACKAGES
    assert all(r.startswith(cache.url) for r in resolved)
    script = "require('express'); require('cli-table3'); console.log('ok')"
    assert npm.run("node", "-e", script, cwd=project).ok().out.strip() == "ok"

    for client in (Pnpm(), Yarn()):
        machine = Workspace(tmp_path / client.name, cache)
        client_project = machine.project("app")
        client.configure(machine, client_project)
        client.add(machine, client_project, *roots).ok()
        # express's debug 2.6.9 wants ms 2.0.0, though the tree's newest ms is 2.1.3.
        assert version_under(machine, client_project, "express", "debug", "ms") == "2.0.0"

    # Each tarball was fetched from the upstream once, for all three clients.
    assert reads_of(upstream, "/ms/-/ms-2.0.0.tgz") == 1
    assert reads_of(upstream, "/@colors/colors/-/colors-1.5.0.tgz") == 1

    # The upstream goes away: what was kept is served, and says so.
    os.kill(upstream.pid or 0, signal.SIGTERM)
    time.sleep(1.5)  # past the cache's TTL (1 s): it tries the upstream first
    answer = requests.get(f"{cache.url}express", timeout=30)
    assert answer.status_code == 200 and answer.headers["x-tarbox-cache"] == "stale"
    later = Workspace(tmp_path / "later", cache)
    later_project = later.project("app")
    later.run("npm", "install", *roots, cwd=later_project).ok()
    assert later.run("node", "-e", script, cwd=later_project).ok().out.strip() == "ok"
    missing = requests.get(f"{cache.url}never-fetched-{unique('x')}", timeout=30)
    assert missing.status_code == 502
