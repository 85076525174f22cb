"""After publish, with the real npm: deprecate, owners, stars, unpublish (and what is stored)."""

from __future__ import annotations

import json

import requests

from tests.e2e.harness import Workspace, a_library, unique


def packument(workspace: Workspace, name: str) -> dict[str, object]:
    url = workspace.registry.url + name.replace("/", "%2f")
    response = requests.get(url, timeout=30)
    response.raise_for_status()
    return dict(response.json())


def test_deprecate_and_undeprecate(workspace: Workspace, anonymous: Workspace) -> None:
    name = unique("e2e-deprecate")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name, "1.0.0")).ok()
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name, "1.1.0")).ok()

    workspace.run("npm", "deprecate", f"{name}@1.0.0", "use 1.1.0").ok()
    assert (
        anonymous.run("npm", "view", f"{name}@1.0.0", "deprecated").ok().out.strip() == "use 1.1.0"
    )
    app = anonymous.project("app")
    installed = anonymous.run("npm", "install", f"{name}@1.0.0", cwd=app).ok()
    assert "deprecated" in installed.out and "use 1.1.0" in installed.out
    versions = packument(workspace, name)["versions"]
    assert isinstance(versions, dict) and "deprecated" not in versions["1.1.0"]

    workspace.run("npm", "undeprecate", f"{name}@1.0.0").ok()
    assert anonymous.run("npm", "view", f"{name}@1.0.0", "deprecated").ok().out.strip() == ""


def test_owners_decide_who_publishes(
    workspace: Workspace, stranger: Workspace, user: tuple[str, str]
) -> None:
    name = unique("e2e-owner")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name)).ok()
    other = stranger.run("npm", "whoami").ok().out.strip()

    refused = stranger.run("npm", "publish", cwd=a_library(stranger.root, name, "1.1.0"))
    assert refused.code != 0 and "403" in refused.out

    workspace.run("npm", "owner", "add", other, name).ok()
    owners = workspace.run("npm", "owner", "ls", name).ok().out
    assert user[0] in owners and other in owners
    stranger.run("npm", "publish", cwd=a_library(stranger.root, name, "1.1.0")).ok()
    assert packument(workspace, name)["dist-tags"] == {"latest": "1.1.0"}

    workspace.run("npm", "owner", "rm", other, name).ok()
    assert other not in workspace.run("npm", "owner", "ls", name).ok().out
    again = stranger.run("npm", "publish", cwd=a_library(stranger.root / "again", name, "1.2.0"))
    assert again.code != 0 and "403" in again.out

    unknown = workspace.run("npm", "owner", "add", "nobody-" + unique("x"), name)
    assert unknown.code != 0


def test_star_unstar_and_stars(workspace: Workspace, stranger: Workspace) -> None:
    name = unique("e2e-star")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name)).ok()
    stranger.run("npm", "star", name).ok()
    assert name in stranger.run("npm", "stars").ok().out
    other = stranger.run("npm", "whoami").ok().out.strip()
    assert packument(workspace, name)["users"] == {other: True}
    stranger.run("npm", "unstar", name).ok()
    assert name not in stranger.run("npm", "stars").ok().out
    assert packument(workspace, name)["users"] == {}


def test_unpublish_one_version(workspace: Workspace, anonymous: Workspace) -> None:
    name = unique("e2e-unpub")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name, "1.0.0")).ok()
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name, "1.1.0")).ok()

    workspace.run("npm", "unpublish", f"{name}@1.1.0").ok()

    doc = packument(workspace, name)
    assert doc["dist-tags"] == {"latest": "1.0.0"}
    assert isinstance(doc["versions"], dict) and set(doc["versions"]) == {"1.0.0"}
    assert isinstance(doc["time"], dict) and "1.1.0" in doc["time"]  # the number stays used
    gone = requests.get(f"{workspace.registry.url}{name}/-/{name}-1.1.0.tgz", timeout=30)
    assert gone.status_code == 404
    app = anonymous.project("app")
    anonymous.run("npm", "install", name, cwd=app).ok()
    installed = json.loads((app / "node_modules" / name / "package.json").read_text())
    assert installed["version"] == "1.0.0"
    again = workspace.run(
        "npm", "publish", "--force", cwd=a_library(workspace.root / "b", name, "1.1.0")
    )
    assert again.code != 0 and "cannot publish over the previously published versions" in again.out


def test_unpublish_the_whole_package(workspace: Workspace, stranger: Workspace) -> None:
    name = unique("e2e-unpub-all")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name, "1.0.0")).ok()
    workspace.run("npm", "unpublish", name, "--force").ok()

    view = workspace.run("npm", "view", name)
    assert view.code != 0 and "Unpublished on" in view.out
    gone = requests.get(f"{workspace.registry.url}{name}/-/{name}-1.0.0.tgz", timeout=30)
    assert gone.status_code == 404
    # blocked for others for a while; the former owner may publish again, never 1.0.0
    blocked = stranger.run("npm", "publish", cwd=a_library(stranger.root, name, "2.0.0"))
    assert blocked.code != 0 and "403" in blocked.out
    reused = workspace.run("npm", "publish", cwd=a_library(workspace.root / "b", name, "1.0.0"))
    assert reused.code != 0 and "cannot publish over" in reused.out
    workspace.run("npm", "publish", cwd=a_library(workspace.root / "c", name, "2.0.0")).ok()
    assert packument(workspace, name)["dist-tags"] == {"latest": "2.0.0"}


def test_a_package_others_depend_on_stays_after_the_window(workspace: Workspace) -> None:
    # The e2e servers run with a zero-hour window: only packages nobody depends on may go.
    lib, app = unique("e2e-needed"), unique("e2e-needs")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, lib)).ok()
    app_source = a_library(workspace.root, app, dependencies={lib: "^1.0.0"})
    workspace.run("npm", "publish", cwd=app_source).ok()

    refused = workspace.run("npm", "unpublish", lib, "--force")
    assert refused.code != 0 and "depend on it" in refused.out and app in refused.out

    workspace.run("npm", "unpublish", app, "--force").ok()
    workspace.run("npm", "unpublish", lib, "--force").ok()
