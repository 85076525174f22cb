"""`npm audit signatures` with the real npm, on both backends: it reads the registry's keys from
`/-/npm/v1/keys` and verifies every installed version's `dist.signatures`; a packument changed on
its way to npm (here by a proxy that swaps a version's integrity) fails it.

npm first asks sigstore's TUF repository for the keys, which needs the internet and knows only
npmjs; tests/e2e/sigstore_tuf_offline.js gives npm the answer that repository gives for any
other registry, so npm goes on to the registry's own keys as it does online."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tests.e2e.harness import (
    Registry,
    Workspace,
    a_library,
    tampering_proxy,
    unique,
)

OFFLINE_TUF = Path(__file__).with_name("sigstore_tuf_offline.js")


def auditor(root: Path, registry: Registry) -> Workspace:
    """A machine that installs from the registry and audits what it installed."""
    return Workspace(root, registry, extra_env={"NODE_OPTIONS": f"--require {OFFLINE_TUF}"})


def test_npm_audit_signatures_verifies_what_was_installed(
    tmp_path: Path, registry: Registry, workspace: Workspace
) -> None:
    names = [unique("signed"), unique("signed")]
    for name in names:
        workspace.run("npm", "publish", cwd=a_library(workspace.root, name)).ok()
    machine = auditor(tmp_path / "auditor", registry)
    project = machine.project("app")
    machine.run("npm", "install", *names, cwd=project).ok()

    audited = machine.run("npm", "audit", "signatures", cwd=project)

    assert audited.code == 0, audited.out
    assert "audited 2 packages" in audited.out
    assert "2 packages have verified registry signatures" in audited.out
    # The report, then npm's warning that TUF did not know the registry (on stderr).
    printed = machine.run("npm", "audit", "signatures", "--json", cwd=project).out
    report, _ = json.JSONDecoder().raw_decode(printed)
    assert report == {"invalid": [], "missing": []}
    assert "Fetching directly from" in printed


def test_npm_audit_signatures_fails_a_tampered_packument(
    tmp_path: Path, registry: Registry, workspace: Workspace
) -> None:
    name = unique("tampered")
    workspace.run("npm", "publish", cwd=a_library(workspace.root, name)).ok()
    machine = auditor(tmp_path / "auditor", registry)
    project = machine.project("app")
    machine.run("npm", "install", name, cwd=project).ok()
    forged = "sha512-" + base64.b64encode(b"\x01" * 64).decode()

    def swap_integrity(path: str, body: bytes) -> bytes:
        if path.rstrip("/") != f"/{name}":
            return body
        document = json.loads(body)
        document["versions"]["1.0.0"]["dist"]["integrity"] = forged
        return json.dumps(document).encode()

    with tampering_proxy(registry.url, swap_integrity) as proxy:
        audited = machine.run("npm", "audit", "signatures", f"--registry={proxy}", cwd=project)

    assert audited.code == 1, audited.out
    assert "1 package has an invalid registry signature" in audited.out
    assert f"{name}@1.0.0" in audited.out
    assert "Someone might have tampered with this package" in audited.out
