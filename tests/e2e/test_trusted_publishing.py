"""Trusted publishing end to end, on both backends: a package's writer trusts a CI workflow with
`npm trust`, and the real npm, yarn and pnpm, in a simulated GitHub Actions job (or GitLab CI
pipeline) whose ID tokens a local issuer signs, publish it with no token in their config. A
workflow the package does not trust gets no token, and its publish fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.harness import Registry, Workspace, a_library, unique
from tests.oidc_issuer import Issuer


def job(repository: str, workflow: str = "release.yml", **claims: Any) -> dict[str, Any]:
    """The claims of a GitHub Actions ID token. A private repository: npm turns provenance on
    by itself for public ones, and that needs sigstore, which the tests cannot reach."""
    return {
        "repository": repository,
        "workflow_ref": f"{repository}/.github/workflows/{workflow}@refs/heads/main",
        "repository_visibility": "private",
        "ref": "refs/heads/main",
        **claims,
    }


@pytest.fixture
def trusted(workspace: Workspace) -> str:
    """A package its writer published by hand, then trusted acme's release workflow with."""
    name = unique("tp")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name)).ok()
    workspace.run(
        "npm",
        "trust",
        "github",
        name,
        "--file=release.yml",
        f"--repo=acme/{name}",
        "--allow-publish",
        "--yes",
    ).ok()
    return name


def ci(tmp_path: Path, registry: Registry, env: dict[str, str]) -> Workspace:
    """A CI runner: the registry in its npmrc, and no token."""
    return Workspace(tmp_path / "ci", registry, extra_env=env)


def release_job(
    tmp_path: Path, registry: Registry, issuer: Issuer, name: str, version: str
) -> tuple[Workspace, Path]:
    """A run of acme's trusted release workflow, with `name@version` checked out."""
    runner = ci(tmp_path, registry, issuer.workflow(job(f"acme/{name}")))
    return runner, a_library(runner.root, name, version)


def published(registry: Registry, name: str, version: str) -> dict[str, Any] | None:
    """The version's `_npmUser` (npm view prints it as one "name <email>" string)."""
    answer = requests.get(f"{registry.url}{name}/{version}", timeout=10)
    return answer.json()["_npmUser"] if answer.status_code == 200 else None


def trusted_publisher(registry: Registry, name: str, version: str) -> str | None:
    """Which CI published the version, as npmjs records a trusted publish."""
    npm_user = published(registry, name, version) or {}
    return (npm_user.get("trustedPublisher") or {}).get("id")


def test_npm_in_github_actions_publishes_with_no_token(
    tmp_path: Path, registry: Registry, user: tuple[str, str], trusted: str, oidc_issuer: Issuer
) -> None:
    runner, project = release_job(tmp_path, registry, oidc_issuer, trusted, "1.1.0")
    out = runner.run("npm", "publish", cwd=project).ok().out
    assert f"+ {trusted}@1.1.0" in out

    npm_user = published(registry, trusted, "1.1.0")
    assert npm_user is not None and npm_user["name"] == user[0]
    assert trusted_publisher(registry, trusted, "1.1.0") == "github"
    # The token npm got was for this job: it never reached the runner's npmrc.
    assert "_authToken" not in runner.npmrc.read_text()


def test_npm_in_a_workflow_the_package_does_not_trust_cannot_publish(
    tmp_path: Path, registry: Registry, trusted: str, oidc_issuer: Issuer
) -> None:
    for claims in (job(f"acme/{trusted}", "ci.yml"), job(f"evil/{trusted}")):
        runner = ci(tmp_path / claims["workflow_ref"][:4], registry, oidc_issuer.workflow(claims))
        refused = runner.run("npm", "publish", cwd=a_library(runner.root, trusted, "1.2.0"))
        assert refused.code != 0
        assert "ENEEDAUTH" in refused.out  # no token came back: npm has none to publish with
    assert published(registry, trusted, "1.2.0") is None


def test_npm_in_gitlab_ci_publishes_with_its_id_token(
    tmp_path: Path, registry: Registry, workspace: Workspace, oidc_issuer: Issuer
) -> None:
    name = unique("tp-gitlab")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name)).ok()
    workspace.run(
        "npm",
        "trust",
        "gitlab",
        name,
        "--file=.gitlab-ci.yml",
        f"--project=acme/{name}",
        "--allow-publish",
        "--yes",
    ).ok()
    # GitLab hands the job its ID token in a variable (`id_tokens: NPM_ID_TOKEN: aud: …`).
    claims = {
        "project_path": f"acme/{name}",
        "ci_config_ref_uri": f"gitlab.com/acme/{name}//.gitlab-ci.yml@refs/heads/main",
        "project_visibility": "private",
    }
    id_token = oidc_issuer.id_token("gitlab", claims, audience="npm:127.0.0.1")
    runner = ci(tmp_path, registry, {"GITLAB_CI": "true", "NPM_ID_TOKEN": id_token})
    runner.run("npm", "publish", cwd=a_library(runner.root, name, "1.1.0")).ok()

    assert trusted_publisher(registry, name, "1.1.0") == "gitlab"


def test_yarn_in_github_actions_publishes_with_no_token(
    tmp_path: Path, registry: Registry, trusted: str, oidc_issuer: Issuer
) -> None:
    """yarn asks GitHub for `npm:<host:port>`, npm for `npm:<hostname>`: both are this registry."""
    runner, project = release_job(tmp_path, registry, oidc_issuer, trusted, "1.3.0")
    settings = {
        "npmRegistryServer": registry.url.rstrip("/"),
        "unsafeHttpWhitelist": ["127.0.0.1"],
        "enableTelemetry": False,
        "enableImmutableInstalls": False,  # yarn's default on a CI
    }
    (project / ".yarnrc.yml").write_text(json.dumps(settings) + "\n")
    (project / "yarn.lock").touch()
    runner.run("yarn", "install", cwd=project).ok()
    runner.run("yarn", "npm", "publish", cwd=project).ok()

    assert trusted_publisher(registry, trusted, "1.3.0") == "github"


def test_pnpm_in_github_actions_publishes_with_no_token(
    tmp_path: Path, registry: Registry, trusted: str, oidc_issuer: Issuer
) -> None:
    runner, project = release_job(tmp_path, registry, oidc_issuer, trusted, "1.4.0")
    runner.run("pnpm", "publish", "--no-git-checks", cwd=project).ok()

    assert trusted_publisher(registry, trusted, "1.4.0") == "github"
