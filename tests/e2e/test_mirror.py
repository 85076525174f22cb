"""Replication with the real npm: publish to one `tarbox serve`, `tarbox mirror` it into a second,
install from the second. The source runs on both backends; the mirror is an embedded one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import requests

from tests.e2e.harness import (
    ROOT,
    Registry,
    Workspace,
    a_library,
    add_user,
    subscribe,
    tarbox_server,
    unique,
)


def mirror(source: Registry, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "chalicelib.cli",
            "mirror",
            "--from",
            source.url,
            "--data-dir",
            str(data),
            *args,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_mirror_follows_its_source_and_serves_npm(tmp_path: Path, registry: Registry) -> None:
    owner = unique("mirrored")
    o = Workspace(tmp_path / "owner", registry, token=add_user(registry, owner))
    lib, app, secret = f"@{owner}/lib", f"@{owner}/app", f"@{owner}/secret"
    o.run("npm", "publish", "--access", "public", cwd=a_library(o.root, lib)).ok()
    o.run("npm", "publish", "--access", "public", cwd=a_library(o.root, lib, "1.1.0")).ok()
    o.run("npm", "dist-tag", "add", f"{lib}@1.0.0", "stable").ok()
    o.run("npm", "deprecate", f"{lib}@1.0.0", "use 1.1").ok()
    needs = {"dependencies": {lib: "^1.0.0"}}
    o.run("npm", "publish", "--access", "public", cwd=a_library(o.root, app, **needs)).ok()
    subscribe(registry, owner)
    o.run("npm", "publish", cwd=a_library(o.root, secret)).ok()  # private: never mirrored
    o.run("npm", "publish", "--access", "public", cwd=a_library(o.root, unique("other"))).ok()

    target_dir = tmp_path / "target"
    target_dir.mkdir()
    with tarbox_server(target_dir, {}) as target:
        first = mirror(registry, target_dir / "data", "--scope", owner)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "2 packages copied (3 versions" in first.stdout, first.stdout

        m = Workspace(tmp_path / "mirror-user", target)
        project = m.project("project", {"name": "project", "version": "1.0.0"})
        m.run("npm", "install", app, cwd=project).ok()
        script = f"console.log(require({json.dumps(app)}), require({json.dumps(lib)}))"
        assert m.run("node", "-e", script, cwd=project).ok().out.split() == [
            f"{app}@1.0.0",
            f"{lib}@1.1.0",
        ]
        view = json.loads(m.run("npm", "view", lib, "--json").ok().out)
        assert view["dist-tags"] == {"latest": "1.1.0", "stable": "1.0.0"}
        assert view["versions"] == ["1.0.0", "1.1.0"]
        deprecated = json.loads(m.run("npm", "view", f"{lib}@1.0.0", "deprecated", "--json").out)
        assert deprecated == "use 1.1"
        hidden = m.run("npm", "view", secret)
        assert hidden.code != 0 and "E404" in hidden.out

        # run again: nothing new; then a new version is all the next run copies
        again = mirror(registry, target_dir / "data", "--scope", owner)
        assert again.returncode == 0 and "0 packages copied" in again.stdout, again.stdout
        o.run("npm", "publish", "--access", "public", cwd=a_library(o.root, lib, "1.2.0")).ok()
        resumed = mirror(registry, target_dir / "data", "--scope", owner)
        assert "1 packages copied (1 versions" in resumed.stdout, resumed.stdout
        fresh = Workspace(tmp_path / "fresh-user", target)
        project = fresh.project("project", {"name": "project", "version": "1.0.0"})
        fresh.run("npm", "install", f"{lib}@1.2.0", cwd=project).ok()

        # the mirror is itself a source: its own feed lists what it copied, never the secret
        feed = requests.get(f"{target.url}-/_changes", timeout=30).json()
        assert {r["id"] for r in feed["results"]} == {lib, app}


def test_a_mirror_refuses_a_source_that_is_not_a_registry(tmp_path: Path) -> None:
    (tmp_path / "target").mkdir()
    with tarbox_server(tmp_path / "target", {}) as target:
        missing = Registry("http://127.0.0.1:9/", "embedded", tmp_path / "x.log")
        failed = mirror(missing, tmp_path / "target" / "data")
        assert failed.returncode == 1
        assert "tarbox: GET http://127.0.0.1:9/" in failed.stderr
        assert requests.get(f"{target.url}-/_changes", timeout=30).json()["results"] == []
