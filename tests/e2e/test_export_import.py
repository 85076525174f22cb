"""Moving a registry with the real npm at both ends: `tarbox export` of an embedded registry,
`tarbox import` into a new one on AWS (moto's server mode), and back again into a new embedded
one. Each new registry serves the packages, the private one to its owner only, and takes the old
registry's token for `npm whoami`, `npm token list` and `npm publish`."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path

import requests

from tests.e2e.harness import (
    AWS_ENV,
    WEBHOOK_SECRET,
    Registry,
    Workspace,
    a_library,
    add_user,
    moto_server,
    subscribe,
    tarbox_command,
    tarbox_server,
    unique,
)

SERVER_ENV = {"TARBOX_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "TARBOX_DOWNLOAD_FLUSH_SECONDS": "1"}


def tarbox(command: str, directory: Path, data: Path, env: Mapping[str, str]) -> str:
    done = tarbox_command(command, str(directory), "--data-dir", str(data), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def wait_for_downloads(registry: Registry, name: str, count: int) -> None:
    deadline = time.monotonic() + 30
    url = f"{registry.url}downloads/point/last-week/{name}"
    while requests.get(url, timeout=10).json().get("downloads") != count:
        assert time.monotonic() < deadline, f"{name} never reached {count} downloads"
        time.sleep(0.2)


def check_served(
    tmp_path: Path, registry: Registry, owner: str, token: str, step: str, latest: str
) -> None:
    """What the owner and a stranger see of the moved registry."""
    lib, secret = f"@{owner}/lib", f"@{owner}/secret"
    o = Workspace(tmp_path / f"{step}-owner", registry, token=token)
    assert o.run("npm", "whoami").ok().out.strip() == owner
    assert len(json.loads(o.run("npm", "token", "list", "--json").ok().out)) == 1
    project = o.project("project", {"name": "project", "version": "1.0.0"})
    o.run("npm", "install", lib, secret, cwd=project).ok()
    script = f"console.log(require({json.dumps(lib)}), require({json.dumps(secret)}))"
    assert o.run("node", "-e", script, cwd=project).ok().out.split() == [
        f"{lib}@{latest}",
        f"{secret}@1.0.0",
    ]
    view = json.loads(o.run("npm", "view", lib, "--json").ok().out)
    assert view["dist-tags"]["stable"] == "1.0.0"
    assert view["users"] == {owner: True}
    assert owner in o.run("npm", "stars").ok().out
    stranger = Workspace(tmp_path / f"{step}-stranger", registry)
    hidden = stranger.run("npm", "view", secret)
    assert hidden.code != 0 and "E404" in hidden.out
    found = json.loads(stranger.run("npm", "search", "--json", owner).ok().out)
    assert [p["name"] for p in found] == [lib]


def test_a_registry_moves_from_embedded_to_aws_and_back(tmp_path: Path) -> None:
    for step in ("first", "second", "third"):
        (tmp_path / step).mkdir()
    owner = unique("mover")
    lib = f"@{owner}/lib"
    with tarbox_server(tmp_path / "first", SERVER_ENV) as first:
        token = add_user(first, owner)
        o = Workspace(tmp_path / "owner", first, token=token)
        o.run("npm", "publish", "--access", "public", cwd=a_library(o.root, lib)).ok()
        o.run("npm", "publish", "--access", "public", cwd=a_library(o.root, lib, "1.1.0")).ok()
        o.run("npm", "dist-tag", "add", f"{lib}@1.0.0", "stable").ok()
        o.run("npm", "star", lib).ok()
        subscribe(first, owner)
        o.run("npm", "publish", cwd=a_library(o.root, f"@{owner}/secret")).ok()
        machine = Workspace(tmp_path / "machine", first)  # an empty cache: the tarball is fetched
        project = machine.project("project", {"name": "project", "version": "1.0.0"})
        machine.run("npm", "install", lib, cwd=project).ok()
        wait_for_downloads(first, lib, 1)
        out = tarbox("export", tmp_path / "one", tmp_path / "first" / "data", {})
    assert "2 packages (3 tarballs" in out and "1 users" in out, out

    with moto_server(tmp_path) as endpoint:
        aws = {**AWS_ENV, "TARBOX_TABLE_NAME": "moved", "TARBOX_AWS_ENDPOINT_URL": endpoint}
        out = tarbox("import", tmp_path / "one", tmp_path / "unused", aws)
        assert "2 packages (3 versions), 1 users (1 tokens)" in out, out
        with tarbox_server(tmp_path / "second", {**SERVER_ENV, **aws}) as second:
            counted = requests.get(f"{second.url}downloads/point/last-week/{lib}", timeout=10)
            assert counted.json()["downloads"] == 1  # the count came along
            check_served(tmp_path, second, owner, token, "aws", "1.1.0")
            o = Workspace(tmp_path / "owner-on-aws", second, token=token)
            o.run("npm", "publish", "--access", "public", cwd=a_library(o.root, lib, "1.2.0")).ok()
        tarbox("export", tmp_path / "two", tmp_path / "unused", aws)

    tarbox("import", tmp_path / "two", tmp_path / "third" / "data", {})
    with tarbox_server(tmp_path / "third", SERVER_ENV) as third:
        check_served(tmp_path, third, owner, token, "embedded", "1.2.0")
        o = Workspace(tmp_path / "owner-back", third, token=token)
        versions = json.loads(o.run("npm", "view", lib, "versions", "--json").ok().out)
        assert versions == ["1.0.0", "1.1.0", "1.2.0"]
