"""Provenance end to end with the real npm, on both backends, and a real bundle: npm publishes
`@playwright/cli@0.1.1` (its tarball as npmjs has it) with `--provenance-file` (the SLSA bundle
GitHub Actions made for it), checking the bundle itself first; tarbox keeps it; and `npm audit
signatures` on a machine that installed the package fetches it from `dist.attestations` and
verifies it: certificate, transparency log entry and signature, against sigstore's trusted root.

npm reads that trusted root from sigstore's TUF repository; tests/e2e/sigstore_tuf_offline.js
gives npm the copy it ships instead of the network's (see there)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.harness import Registry, Workspace, a_library

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OFFLINE_TUF = Path(__file__).with_name("sigstore_tuf_offline.js")
OFFLINE = {"NODE_OPTIONS": f"--require {OFFLINE_TUF}"}


def test_a_provenance_publish_is_verified_by_npm_audit_signatures(
    tmp_path: Path, registry: Registry, user: tuple[str, str]
) -> None:
    publisher = Workspace(tmp_path / "ci", registry, token=user[1], extra_env=OFFLINE)
    # What the package depends on, so it installs.
    for name, version in (("minimist", "1.2.8"), ("playwright", "1.59.0-alpha-1771104257000")):
        library = a_library(publisher.root, name, version)
        publisher.run("npm", "publish", "--tag=latest", cwd=library).ok()
    bundle = FIXTURES / "playwright-cli-0.1.1.sigstore.json"
    tarball = FIXTURES / "playwright-cli-0.1.1.tgz"

    published = publisher.run(
        "npm", "publish", str(tarball), f"--provenance-file={bundle}", "--access=public"
    )
    assert published.code == 0, published.out

    machine = Workspace(tmp_path / "machine", registry, extra_env=OFFLINE)
    project = machine.project("app")
    machine.run("npm", "install", "@playwright/cli@0.1.1", cwd=project).ok()
    viewed = machine.run("npm", "view", "@playwright/cli@0.1.1", "dist.attestations", "--json")
    assert json.loads(viewed.ok().out)["provenance"] == {
        "predicateType": "https://slsa.dev/provenance/v1"
    }

    audited = machine.run("npm", "audit", "signatures", cwd=project)

    assert audited.code == 0, audited.out
    assert "audited 3 packages" in audited.out
    assert "3 packages have verified registry signatures" in audited.out
    assert "1 package has a verified attestation" in audited.out
    printed = machine.run(
        "npm", "audit", "signatures", "--json", "--include-attestations", cwd=project
    ).out
    report, _ = json.JSONDecoder().raw_decode(printed)
    [verified] = report["verified"]
    assert verified["name"] == "@playwright/cli"
    assert verified["attestationBundles"][0]["bundle"] == json.loads(bundle.read_text())


def test_npm_refuses_a_provenance_file_for_another_package(
    tmp_path: Path, registry: Registry, user: tuple[str, str]
) -> None:
    """npm's own check before it sends anything; tarbox refuses such a bundle too
    (tests/api/test_provenance.py), for a client that does not check."""
    publisher = Workspace(tmp_path / "ci", registry, token=user[1], extra_env=OFFLINE)
    name = f"@{user[0]}/cli"
    library = a_library(publisher.root, name, "0.1.1")
    bundle = FIXTURES / "playwright-cli-0.1.1.sigstore.json"

    refused = publisher.run(
        "npm", "publish", f"--provenance-file={bundle}", "--access=public", cwd=library
    )

    assert refused.code != 0
    assert (
        "Provenance subject pkg:npm/%40playwright/cli@0.1.1 does not match the package:"
        f" pkg:npm/%40{user[0]}/cli@0.1.1"
    ) in refused.out
    assert publisher.run("npm", "view", name).code != 0  # nothing was published
