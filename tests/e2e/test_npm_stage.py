"""Staged publishing end to end, on both backends: the real npm stages a version with no
one-time password (`npm stage publish`), lists, views and downloads it, and a writer approves
it with their code (`npm stage approve`), which publishes it; a rejected one is gone. yarn
(`yarn npm publish --staged`) and pnpm (`pnpm stage publish`) stage the same way."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pyotp
import pytest

from tests.e2e.harness import Workspace, a_library, unique
from tests.e2e.test_npm_profile import enable_2fa

STAGED = re.compile(r"\(staged with id ([0-9a-f-]{36})\)")


@pytest.fixture
def maintainer(workspace: Workspace) -> tuple[str, pyotp.TOTP]:
    """A package, and its writer's authenticator: 2FA on for every write."""
    name = unique("staged")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name)).ok()
    return name, enable_2fa(workspace, "auth-and-writes")


def visible(workspace: Workspace, name: str, version: str) -> bool:
    shown = workspace.run("npm", "view", f"{name}@{version}", "version")
    return shown.code == 0 and version in shown.out


def test_npm_stages_and_a_writer_approves_or_rejects(
    workspace: Workspace, maintainer: tuple[str, pyotp.TOTP]
) -> None:
    name, totp = maintainer
    # Staging asks for no one-time password, though every other write of this account does.
    staged = workspace.run("npm", "stage", "publish", cwd=a_library(workspace.root, name, "1.1.0"))
    match = STAGED.search(staged.ok().out)
    assert match is not None, staged.out
    id = match.group(1)
    assert not visible(workspace, name, "1.1.0")

    listed = workspace.run("npm", "stage", "list", name).ok().out
    assert id in listed and "1.1.0" in listed
    item = json.loads(workspace.run("npm", "stage", "view", id, "--json").ok().out)
    assert (item["packageName"], item["version"], item["tag"]) == (name, "1.1.0", "latest")

    downloaded = workspace.run("npm", "stage", "download", id, cwd=workspace.root).ok().out
    file = workspace.root / f"{name}-1.1.0-{id}.tgz"
    assert file.name in downloaded
    assert hashlib.sha1(file.read_bytes()).hexdigest() == item["shasum"]

    assert workspace.run("npm", "stage", "approve", id).code != 0  # no code, no approval
    approved = workspace.run("npm", "stage", "approve", id, f"--otp={totp.now()}").ok().out
    assert f"Staged package {id} approved and published successfully" in approved
    assert visible(workspace, name, "1.1.0")
    latest = workspace.run("npm", "view", name, "dist-tags.latest").ok().out
    assert latest.strip() == "1.1.0"

    again = workspace.run("npm", "stage", "publish", cwd=a_library(workspace.root, name, "1.2.0"))
    match = STAGED.search(again.ok().out)
    assert match is not None, again.out
    rejected = workspace.run("npm", "stage", "reject", match.group(1), f"--otp={totp.now()}")
    assert f"Staged package {match.group(1)} has been rejected" in rejected.ok().out
    assert "No staged versions" in workspace.run("npm", "stage", "list", name).ok().out
    assert not visible(workspace, name, "1.2.0")


def test_others_cannot_see_or_approve_what_was_staged(
    workspace: Workspace, stranger: Workspace, maintainer: tuple[str, pyotp.TOTP]
) -> None:
    name, _ = maintainer
    staged = workspace.run("npm", "stage", "publish", cwd=a_library(workspace.root, name, "1.1.0"))
    match = STAGED.search(staged.ok().out)
    assert match is not None
    assert stranger.run("npm", "stage", "view", match.group(1)).code != 0
    assert stranger.run("npm", "stage", "approve", match.group(1), "--otp=123456").code != 0
    assert (
        stranger.run("npm", "stage", "publish", cwd=a_library(stranger.root, name, "1.3.0")).code
        != 0
    )


def test_yarn_and_pnpm_stage_for_npm_to_approve(
    tmp_path: Path, workspace: Workspace, maintainer: tuple[str, pyotp.TOTP]
) -> None:
    name, totp = maintainer
    project = a_library(workspace.root, name, "2.0.0")
    settings = {
        "npmRegistryServer": workspace.registry.url.rstrip("/"),
        "unsafeHttpWhitelist": ["127.0.0.1"],
        "npmAuthToken": workspace.token,
        "enableTelemetry": False,
    }
    (project / ".yarnrc.yml").write_text(json.dumps(settings) + "\n")
    (project / "yarn.lock").touch()
    workspace.run("yarn", "install", cwd=project).ok()
    workspace.run("yarn", "npm", "publish", "--staged", cwd=project).ok()

    pnpm_project = a_library(tmp_path / "pnpm", name, "2.1.0")
    workspace.run("pnpm", "stage", "publish", "--no-git-checks", cwd=pnpm_project).ok()

    items = json.loads(workspace.run("npm", "stage", "list", name, "--json").ok().out)
    assert sorted(i["version"] for i in items) == ["2.0.0", "2.1.0"]
    for item in items:
        workspace.run("npm", "stage", "approve", item["id"], f"--otp={totp.now()}").ok()
    assert visible(workspace, name, "2.0.0") and visible(workspace, name, "2.1.0")
