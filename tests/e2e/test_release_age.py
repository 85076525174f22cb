"""Release-age settings with the real clients, on both backends: npm's `min-release-age`, pnpm's
`minimumReleaseAge` and yarn's `npmMinimalAgeGate` install the newest version old enough and
refuse one that is too new. pnpm, told `registrySupportsTimeField`, reads when each version was
published from the abbreviated document's `time` alone; npm (with a release age) and yarn
always read the full document.

A version is made old by moving its publish time back in the stored data (the registry never
changes it itself), then publishing another version, which renders the documents again."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import boto3
import pytest
import requests

from tests.e2e.harness import AWS_ENV, Registry, Workspace, a_library, unique

OLD = "2026-11-01T00:00:00.000Z"  # over a month before these tests were written


def backdate(registry: Registry, name: str, version: str) -> None:
    if registry.aws_endpoint is None:
        db = sqlite3.connect(registry.log.parent / "data" / "tarbox.sqlite3")
        with db:
            db.execute(
                "UPDATE versions SET doc = json_set(doc, '$.published', ?)"
                " WHERE name = ? AND version = ?",
                (OLD, name, version),
            )
        db.close()
        return
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=registry.aws_endpoint,
        region_name=AWS_ENV["AWS_DEFAULT_REGION"],
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    )
    dynamodb.update_item(
        TableName=AWS_ENV["TARBOX_TABLE_NAME"],
        Key={"pk": {"S": f"PKG#{name}"}, "sk": {"S": f"VER#{version}"}},
        UpdateExpression="SET published = :old",
        ExpressionAttributeValues={":old": {"S": OLD}},
    )


@pytest.fixture
def old_and_new(workspace: Workspace) -> str:
    """A package whose 1.0.0 is a month old and whose 1.1.0 (its latest) is new."""
    name = unique("aged")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name, "1.0.0")).ok()
    backdate(workspace.registry, name, "1.0.0")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name, "1.1.0")).ok()
    return name


def installed(machine: Workspace, project: Path, name: str) -> str:
    script = f"console.log(require({json.dumps(name)}))"
    return machine.run("node", "-e", script, cwd=project).ok().out.strip()


def test_the_abbreviated_document_says_when_each_version_was_published(
    registry: Registry, old_and_new: str
) -> None:
    # What pnpm and npm send for an install (npm-registry-fetch's corgiDoc).
    accept = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"
    answer = requests.get(f"{registry.url}{old_and_new}", headers={"accept": accept}, timeout=30)
    assert answer.headers["content-type"] == "application/vnd.npm.install-v1+json"
    times = answer.json()["time"]
    assert times["1.0.0"] == OLD and times["1.1.0"] > OLD


def test_npm_min_release_age(tmp_path: Path, registry: Registry, old_and_new: str) -> None:
    machine = Workspace(tmp_path / "npm", registry)
    project = machine.project("project")
    machine.run("npm", "install", old_and_new, "--min-release-age=1", cwd=project).ok()
    assert installed(machine, project, old_and_new) == f"{old_and_new}@1.0.0"
    refused = machine.run(
        "npm", "install", f"{old_and_new}@1.1.0", "--min-release-age=1", cwd=project
    )
    assert refused.code != 0 and "ETARGET" in refused.out, refused.out


def test_pnpm_minimum_release_age(tmp_path: Path, registry: Registry, old_and_new: str) -> None:
    machine = Workspace(tmp_path / "pnpm", registry)
    project = machine.project("project")
    (project / "pnpm-workspace.yaml").write_text(
        "minimumReleaseAge: 1440\nregistrySupportsTimeField: true\nupdateNotifier: false\n"
    )
    machine.run("pnpm", "add", old_and_new, cwd=project).ok()
    assert installed(machine, project, old_and_new) == f"{old_and_new}@1.0.0"
    refused = machine.run("pnpm", "add", f"{old_and_new}@1.1.0", cwd=project)
    assert refused.code != 0, refused.out
    assert_only_abbreviated_reads(registry, old_and_new, "pnpm")


def test_yarn_minimal_age_gate(tmp_path: Path, registry: Registry, old_and_new: str) -> None:
    machine = Workspace(tmp_path / "yarn", registry)
    project = machine.project("project")
    settings = {
        "npmRegistryServer": registry.url.rstrip("/"),
        "unsafeHttpWhitelist": ["127.0.0.1"],
        "nodeLinker": "node-modules",
        "npmMinimalAgeGate": "1d",
        "enableTelemetry": False,
    }
    (project / ".yarnrc.yml").write_text(json.dumps(settings, indent=2) + "\n")
    (project / "yarn.lock").touch()
    added = machine.run("yarn", "add", old_and_new, cwd=project)
    assert added.code == 0, added.out
    assert installed(machine, project, old_and_new) == f"{old_and_new}@1.0.0"
    refused = machine.run("yarn", "add", f"{old_and_new}@1.1.0", cwd=project)
    assert refused.code != 0, refused.out


def assert_only_abbreviated_reads(registry: Registry, name: str, client: str) -> None:
    """The client reads the small document only: it has the `time` the client needs (without
    it, pnpm reads the full one too). The server's request log says which document each read
    was answered."""
    reads = [
        json.loads(line)
        for line in registry.log.read_text().splitlines()
        if line.startswith("{") and f'"path":"/{name}"' in line and f"{client}/" in line
    ]
    assert {read.get("document") for read in reads} == {"abbreviated"}, reads
