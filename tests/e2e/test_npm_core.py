"""The everyday loop with the real npm 11: publish, view, install, ci, dist-tags, the refusals."""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.e2e.harness import Registry, Workspace, a_library, unique, write_package


def test_publish_view_install_and_ci(workspace: Workspace, anonymous: Workspace) -> None:
    # given: a package published with npm
    name = unique("e2e-core")
    source = a_library(workspace.root, name, description="core loop", keywords=["tarbox"])
    (source / "README.md").write_text(f"# {name}\n\nHello.\n")
    assert "+ " + name + "@1.0.0" in workspace.run("npm", "publish", cwd=source).ok().out

    # when: someone views it
    view = json.loads(anonymous.run("npm", "view", name, "--json").ok().out)

    # then: the registry's own fields are there
    assert view["name"] == name and view["version"] == "1.0.0"
    assert view["dist-tags"] == {"latest": "1.0.0"}
    assert view["dist"]["tarball"] == f"{workspace.registry.url}{name}/-/{name}-1.0.0.tgz"
    assert view["dist"]["fileCount"] == 3 and view["dist"]["unpackedSize"] > 0
    assert view["_npmUser"].startswith("user-")
    assert view["description"] == "core loop"

    # and: it installs, and `npm ci` reproduces it from the lockfile in a fresh cache
    app = anonymous.project("app")
    anonymous.run("npm", "install", name, cwd=app).ok()
    assert (
        anonymous.run("node", "-p", f"require('{name}')", cwd=app).ok().out.strip()
        == f"{name}@1.0.0"
    )
    fresh = Workspace(anonymous.root / "fresh", anonymous.registry)
    clone = fresh.project("clone")
    for lock in ("package.json", "package-lock.json"):
        (clone / lock).write_bytes((app / lock).read_bytes())
    fresh.run("npm", "ci", cwd=clone).ok()
    assert (clone / "node_modules" / name / "index.js").exists()


def test_scoped_public_publish_and_install(
    workspace: Workspace, user: tuple[str, str], anonymous: Workspace
) -> None:
    name = f"@{user[0]}/{unique('lib')}"
    source = a_library(workspace.root, name)
    workspace.run("npm", "publish", "--access", "public", cwd=source).ok()
    app = anonymous.project("app")
    anonymous.run("npm", "install", name, cwd=app).ok()
    assert (
        anonymous.run("node", "-p", f"require('{name}')", cwd=app).ok().out.strip()
        == f"{name}@1.0.0"
    )
    view = json.loads(anonymous.run("npm", "view", name, "--json").ok().out)
    assert view["dist"]["tarball"].endswith(f"/{name}/-/{name.split('/')[1]}-1.0.0.tgz")


def test_scoped_package_without_a_plan_is_refused_with_402(
    workspace: Workspace, user: tuple[str, str]
) -> None:
    source = a_library(workspace.root, f"@{user[0]}/{unique('private')}")
    result = workspace.run("npm", "publish", cwd=source)
    assert result.code != 0
    assert "402" in result.out and "You must sign up for private packages" in result.out


def test_someone_elses_scope_is_refused(
    workspace: Workspace, stranger: Workspace, user: tuple[str, str]
) -> None:
    source = a_library(stranger.root, f"@{user[0]}/{unique('intruder')}")
    result = stranger.run("npm", "publish", "--access", "public", cwd=source)
    assert result.code != 0 and "403" in result.out


def test_dist_tags_add_ls_rm(workspace: Workspace) -> None:
    name = unique("e2e-tags")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name, "1.0.0")).ok()
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name, "1.1.0")).ok()

    workspace.run("npm", "dist-tag", "add", f"{name}@1.0.0", "stable").ok()
    listed = workspace.run("npm", "dist-tag", "ls", name).ok().out
    assert "latest: 1.1.0" in listed and "stable: 1.0.0" in listed

    workspace.run("npm", "dist-tag", "add", f"{name}@1.0.0", "latest").ok()
    assert json.loads(workspace.run("npm", "view", name, "version", "--json").ok().out) == "1.0.0"

    workspace.run("npm", "dist-tag", "rm", name, "stable").ok()
    assert "stable" not in workspace.run("npm", "dist-tag", "ls", name).ok().out
    refused = workspace.run("npm", "dist-tag", "rm", name, "latest")
    assert refused.code != 0 and "latest tag cannot be removed" in refused.out


def test_republishing_a_version_is_refused_by_the_server(workspace: Workspace) -> None:
    name = unique("e2e-immutable")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name)).ok()
    changed = a_library(workspace.root / "again", name, description="different bytes")
    # --force skips npm's own client-side check, so the server has to refuse.
    result = workspace.run("npm", "publish", "--force", cwd=changed)
    assert result.code != 0
    assert "cannot publish over the previously published versions: 1.0.0" in result.out


def test_only_maintainers_publish_new_versions(workspace: Workspace, stranger: Workspace) -> None:
    name = unique("e2e-owned")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name)).ok()
    result = stranger.run("npm", "publish", cwd=a_library(stranger.root, name, "2.0.0"))
    assert result.code != 0 and "403" in result.out


def test_ten_parallel_publishes_all_land(workspace: Workspace) -> None:
    name = unique("e2e-parallel")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name, "1.0.0")).ok()
    versions = [f"1.0.{n}" for n in range(1, 11)]
    sources = [a_library(workspace.root, name, v) for v in versions]

    def publish(source: Path) -> int:
        tag = "t" + source.name.rsplit(".", 1)[-1]
        return workspace.run("npm", "publish", "--tag", tag, cwd=source).code

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert list(pool.map(publish, sources)) == [0] * 10
    view = json.loads(workspace.run("npm", "view", name, "--json").ok().out)
    assert set(view["versions"]) == {"1.0.0", *versions}
    assert view["dist-tags"]["latest"] == "1.0.0"
    assert {view["dist-tags"][f"t{n}"] for n in range(1, 11)} == set(versions)


def test_a_tarball_over_the_limit_gets_413_naming_it(workspace: Workspace) -> None:
    name = unique("e2e-big")
    source = a_library(workspace.root, name)
    (source / "blob.bin").write_bytes(os.urandom(1536 * 1024))  # incompressible, over 1 MiB
    result = workspace.run("npm", "publish", cwd=source)
    assert result.code != 0
    assert "413" in result.out and re.search(r"max 1\.0 MB", result.out)


def test_dependency_tree_with_a_bin_and_a_peer(workspace: Workspace, anonymous: Workspace) -> None:
    peer, lib, tool = unique("e2e-peer"), unique("e2e-lib"), unique("e2e-tool")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, peer, "2.0.0")).ok()
    lib_source = a_library(workspace.root, lib, peerDependencies={peer: "^2.0.0"})
    workspace.run("npm", "publish", cwd=lib_source).ok()
    tool_source = write_package(
        workspace.root / tool,
        {
            "name": tool,
            "version": "1.0.0",
            "bin": {tool: "cli.js"},
            "dependencies": {lib: "^1.0.0"},
        },
        {"cli.js": f"#!/usr/bin/env node\nconsole.log('tool says', require('{lib}'))\n"},
    )
    workspace.run("npm", "publish", cwd=tool_source).ok()

    app = anonymous.project("app")
    anonymous.run("npm", "install", tool, cwd=app).ok()
    # npm 7+ installs peer dependencies itself.
    assert (app / "node_modules" / peer / "package.json").exists()
    out = anonymous.run("npm", "exec", "--", tool, cwd=app).ok().out
    assert f"tool says {lib}@1.0.0" in out


def test_logout_revokes_the_token_at_once(registry: Registry, workspace: Workspace) -> None:
    assert workspace.run("npm", "whoami").ok().out.strip().startswith("user-")
    token = workspace.token
    workspace.run("npm", "logout").ok()
    # the old token, written back, no longer works
    workspace.token = token
    workspace.write_npmrc()
    result = workspace.run("npm", "whoami")
    assert result.code != 0 and "401" in result.out


def test_build_metadata_and_a_prerelease_first_publish(
    workspace: Workspace, anonymous: Workspace
) -> None:
    # npm publishes semver.clean(version) and packs package.json as written; a first publish
    # with only --tag still gets a `latest`.
    name = unique("e2e-build")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name, "1.0.0+build.7")).ok()
    beta = a_library(workspace.root / "beta", name, "2.0.0-beta.1")
    workspace.run("npm", "publish", "--tag", "beta", cwd=beta).ok()
    view = json.loads(anonymous.run("npm", "view", name, "--json").ok().out)
    assert view["dist-tags"] == {"latest": "1.0.0", "beta": "2.0.0-beta.1"}
    app = anonymous.project("app")
    anonymous.run("npm", "install", f"{name}@beta", cwd=app).ok()
    installed = json.loads((app / "node_modules" / name / "package.json").read_text())
    assert installed["version"] == "2.0.0-beta.1"
