"""`npm trust` with the real npm, on both backends: a package's writer trusts a GitHub Actions
workflow and a GitLab CI pipeline to publish it, lists them and revokes one; nobody else may see
or change them."""

from __future__ import annotations

import json

from tests.e2e.harness import Workspace, a_library, unique


def documents(printed: str) -> list[dict[str, str]]:
    """npm prints one JSON object per configuration."""
    found, at, decoder = [], 0, json.JSONDecoder()
    while (at := printed.find("{", at)) != -1:
        value, at = decoder.raw_decode(printed, at)
        found.append(value)
    return found


def test_a_writer_trusts_ci_workflows_lists_and_revokes_them(
    workspace: Workspace, stranger: Workspace
) -> None:
    name = unique("trusted")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name)).ok()

    github = workspace.run(
        "npm",
        "trust",
        "github",
        name,
        "--file=release.yml",
        "--repo=acme/lib",
        "--env=production",
        "--allow-publish",
        "--yes",
    ).ok()
    assert f"Trust configuration created successfully for {name}" in github.out
    assert "repository: acme/lib" in github.out and "file: release.yml" in github.out
    gitlab = workspace.run(
        "npm",
        "trust",
        "gitlab",
        name,
        "--file=.gitlab-ci.yml",
        "--project=acme/tools/lib",
        "--allow-publish",
        "--allow-stage-publish",
        "--yes",
    ).ok()
    assert "permissions: publish, stage publish" in gitlab.out

    listed = documents(workspace.run("npm", "trust", "list", name, "--json").ok().out)
    assert [(c["type"], c.get("repository"), c.get("project")) for c in listed] == [
        ("github", "acme/lib", None),
        ("gitlab", None, "acme/tools/lib"),
    ]
    shown = workspace.run("npm", "trust", "list", name).ok().out
    assert "type: github" in shown and "type: gitlab" in shown
    assert "environment: production" in shown and "project: acme/tools/lib" in shown

    # Only the package's writers see or change its trusted publishers.
    assert stranger.run("npm", "trust", "list", name).code != 0
    refused = stranger.run(
        "npm",
        "trust",
        "github",
        name,
        "--file=evil.yml",
        "--repo=evil/lib",
        "--allow-publish",
        "--yes",
    )
    assert refused.code != 0

    ids = [c["id"] for c in listed]
    workspace.run("npm", "trust", "revoke", name, f"--id={ids[0]}").ok()
    after = workspace.run("npm", "trust", "list", name).ok().out
    assert ids[0] not in after and ids[1] in after
    assert workspace.run("npm", "trust", "revoke", name, f"--id={ids[0]}").code != 0
