"""The release-age quarantine with the real clients, on both backends: with the registry set to
hold back versions younger than a day, npm, pnpm and yarn install the newest version old enough
with no setting of their own, cannot install a younger one, and get it once it is old enough.

A registry of its own (the quarantine applies to every package in it). A version is made old by
moving its publish time back in the stored data, as tests/e2e/test_release_age.py does."""

from __future__ import annotations

from collections.abc import Iterator
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
)
from tests.e2e.test_clients import Pnpm, Yarn
from tests.e2e.test_release_age import backdate, installed

QUARANTINE = {"TARBOX_QUARANTINE_HOURS": "24"}


@pytest.fixture(scope="module", params=["embedded", "aws"])
def held_back(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Registry]:
    workdir = tmp_path_factory.mktemp(f"quarantine-{request.param}")
    with tarbox_on(workdir, request.param, QUARANTINE) as server:
        yield server


def npm_sees(root: Path, registry: Registry, name: str) -> tuple[str, str]:
    """What `npm install name` installs on a fresh machine, and the `latest` npm view shows."""
    machine = Workspace(root, registry)
    project = machine.project("project")
    machine.run("npm", "install", name, cwd=project).ok()
    latest = machine.run("npm", "view", name, "dist-tags.latest").ok().out.strip()
    return installed(machine, project, name), latest


def test_clients_install_the_newest_version_old_enough(tmp_path: Path, held_back: Registry) -> None:
    author = Workspace(tmp_path / "author", held_back, token=add_user(held_back, unique("q")))
    name = unique("held")
    author.run("npm", "publish", cwd=a_library(author.root, name, "1.0.0")).ok()
    backdate(held_back, name, "1.0.0")
    author.run("npm", "publish", cwd=a_library(author.root, name, "1.1.0")).ok()

    assert npm_sees(tmp_path / "npm", held_back, name) == (f"{name}@1.0.0", "1.0.0")
    npm = Workspace(tmp_path / "npm", held_back)
    refused = npm.run("npm", "install", f"{name}@1.1.0", cwd=npm.project("project"))
    assert refused.code != 0 and "ETARGET" in refused.out, refused.out
    tarball = requests.get(f"{held_back.url}{name}/-/{name}-1.1.0.tgz", timeout=30)
    assert tarball.status_code == 403 and "quarantine" in tarball.json()["error"]

    # pnpm and yarn, told to wait for nothing themselves, get what the registry shows.
    for client in (Pnpm(), Yarn()):
        machine = Workspace(tmp_path / client.name, held_back)
        client_project = machine.project("project")
        client.configure(machine, client_project)
        client.add(machine, client_project, name).ok()
        assert installed(machine, client_project, name) == f"{name}@1.0.0"

    # A day later 1.1.0 is old enough (and the next release, 1.2.0, is the young one).
    backdate(held_back, name, "1.1.0")
    author.run("npm", "publish", cwd=a_library(author.root, name, "1.2.0")).ok()
    assert npm_sees(tmp_path / "later", held_back, name) == (f"{name}@1.1.0", "1.1.0")
