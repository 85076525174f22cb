"""`npm audit` and `npm audit fix` with the real npm, on both backends, against advisories an
operator imported in OSV format (`tarbox advisories import`, the GitHub Advisory Database's
format)."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from tests.e2e.harness import (
    AWS_ENV,
    Registry,
    Workspace,
    a_library,
    subscribe,
    tarbox_command,
    unique,
)


def osv(id: str, name: str, summary: str, severity: str) -> dict[str, object]:
    """An OSV advisory (the GitHub Advisory Database's format): versions before 1.0.1."""
    return {
        "id": id,
        "summary": summary,
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": name},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}],
            }
        ],
        "database_specific": {"severity": severity, "cwe_ids": ["CWE-1321"]},
    }


def import_advisories(registry: Registry, folder: Path) -> str:
    """`tarbox advisories import` against the registry's own data, on its backend."""
    env = {"TARBOX_BACKEND": "embedded"}
    if registry.aws_endpoint is not None:
        env = {**AWS_ENV, "TARBOX_AWS_ENDPOINT_URL": registry.aws_endpoint}
    data = str(registry.log.parent / "data")
    done = tarbox_command("advisories", "import", str(folder), "--data-dir", data, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def test_npm_audit_reports_and_audit_fix_moves_to_the_fixed_version(
    tmp_path: Path, registry: Registry, workspace: Workspace
) -> None:
    name = unique("vulnerable")
    for version in ("1.0.0", "1.0.1"):
        workspace.run("npm", "publish", cwd=a_library(workspace.root, name, version)).ok()
    project = workspace.project("app", {"name": "app", "version": "1.0.0"})
    workspace.run("npm", "install", f"{name}@1.0.0", cwd=project).ok()
    clean = workspace.run("npm", "audit", cwd=project)
    assert clean.code == 0 and "found 0 vulnerabilities" in clean.out, clean.out

    advisory = osv(f"GHSA-{name[-8:]}", name, f"Prototype pollution in {name}", "HIGH")
    folder = tmp_path / "advisories"
    folder.mkdir()
    (folder / "advisory.json").write_text(json.dumps(advisory))
    assert import_advisories(registry, folder) == "imported 1 npm advisories from 1 files"

    found = workspace.run("npm", "audit", "--json", cwd=project)
    assert found.code != 0, found.out
    report = json.loads(found.out)
    vulnerability = report["vulnerabilities"][name]
    assert vulnerability["severity"] == "high"
    assert vulnerability["range"] == "1.0.0"  # npm narrows it to the versions that exist
    assert vulnerability["via"][0]["title"] == f"Prototype pollution in {name}"
    assert vulnerability["fixAvailable"] is True

    workspace.run("npm", "audit", "fix", cwd=project).ok()
    lock = json.loads((project / "package-lock.json").read_text())
    assert lock["packages"][f"node_modules/{name}"]["version"] == "1.0.1"
    fixed = workspace.run("npm", "audit", cwd=project)
    assert fixed.code == 0 and "found 0 vulnerabilities" in fixed.out, fixed.out


def test_the_owner_of_a_private_package_warns_its_users(
    registry: Registry, workspace: Workspace, user: tuple[str, str]
) -> None:
    """No public database knows a private package: its writers add its advisories themselves
    (`PUT /-/npm/v1/security/advisories/{id}`), and `npm audit` tells whoever installed it."""
    owner, token = user
    subscribe(registry, owner)
    name = f"@{owner}/{unique('internal')}"
    for version in ("1.0.0", "1.0.1"):
        workspace.run("npm", "publish", cwd=a_library(workspace.root, name, version)).ok()
    project = workspace.project("app", {"name": "app", "version": "1.0.0"})
    workspace.run("npm", "install", f"{name}@1.0.0", cwd=project).ok()

    advisory = osv(f"TBX-{owner[-8:]}", name, f"Secrets logged by {name}", "CRITICAL")
    added = requests.put(
        f"{registry.url}-/npm/v1/security/advisories/{advisory['id']}",
        json=advisory,
        headers={"authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert added.status_code == 201, added.text

    found = workspace.run("npm", "audit", "--json", cwd=project)
    assert found.code != 0, found.out
    vulnerability = json.loads(found.out)["vulnerabilities"][name]
    assert vulnerability["severity"] == "critical"
    assert vulnerability["via"][0]["title"] == f"Secrets logged by {name}"
