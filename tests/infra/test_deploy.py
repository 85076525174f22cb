"""`make deploy` up to the first AWS call, offline: the plan (stack, uploads keyed by content,
parameters), and the workflow that runs the tests and then deploys from the deploy branches."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests import cdn_keys

ROOT = Path(__file__).resolve().parents[2]
# Both build the package, and `chalice package` shares its cache (.chalice/deployments): one at a
# time.
pytestmark = pytest.mark.xdist_group("package")


@pytest.fixture
def public_key(tmp_path: Path) -> Path:
    from cryptography.hazmat.primitives import serialization

    pem = (
        cdn_keys.private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    path = tmp_path / "cdn.pub.pem"
    path.write_bytes(pem)
    return path


def make_deploy(public_key: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "make",
            "deploy",
            "STAGE=prod",
            "REGION=eu-west-1",
            "ARTIFACT_BUCKET=tarbox-artifacts",
            f"CDN_PUBLIC_KEY={public_key}",
            "PUBLIC_URL=https://registry.example.com",
            "DRY_RUN=1",
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_make_deploy_dry_run_plans_the_whole_deploy(public_key: Path) -> None:
    result = make_deploy(public_key)
    assert result.returncode == 0, result.stdout + result.stderr
    # the plan is the JSON object deploy.py prints (make may print around it)
    plan, _ = json.JSONDecoder().raw_decode(result.stdout[result.stdout.index("{\n") :])
    assert plan["stack"] == "tarbox-prod" and plan["region"] == "eu-west-1"
    assert plan["code_key"].startswith("tarbox/prod/code-") and plan["code_bytes"] > 10_000_000
    parameters = plan["parameters"]
    assert parameters["CdnPublicKey"].startswith("-----BEGIN PUBLIC KEY-----")
    assert parameters["PublicUrl"] == "https://registry.example.com"
    assert parameters["CertificateArn"] == ""  # none given: the front door's own name only
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert parameters["Commit"] == head.stdout.strip()
    # the package it plans to upload is the precompiled one
    assert "precompiled" in result.stdout


def test_a_key_that_is_not_a_public_key_stops_the_deploy(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "deployment.zip").write_bytes(b"PK")
    (out / "sam.json").write_text(json.dumps({"Resources": {"APIHandler": {"Properties": {}}}}))
    wrong = tmp_path / "oops.pem"
    wrong.write_text(cdn_keys.private_pem())  # the private half, by mistake
    result = subprocess.run(
        [
            sys.executable,
            "infra/deploy.py",
            "--stage",
            "prod",
            "--region",
            "eu-west-1",
            "--artifact-bucket",
            "b",
            "--cdn-public-key",
            str(wrong),
            "--out",
            str(out),
            "--dry-run",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "is not a PEM public key" in result.stderr


def test_the_workflow_tests_then_deploys_each_branch_to_its_stage() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert {"deploy-staging", "deploy-production"} <= set(triggers["push"]["branches"])
    jobs = workflow["jobs"]
    assert any(step.get("run") == "bash .ci/run" for step in jobs["test"]["steps"])
    deploy = jobs["deploy"]
    assert deploy["needs"] == "test"
    assert "deploy-production" in deploy["if"] and "deploy-staging" in deploy["if"]
    assert "'prod'" in deploy["env"]["STAGE"] and "'dev'" in deploy["env"]["STAGE"]
    assert "secrets.AWS_ACCESS_KEY_ID" in deploy["env"]["AWS_ACCESS_KEY_ID"]
    runs = " ".join(step.get("run", "") for step in deploy["steps"])
    assert "make deploy" in runs and "--dry-run" not in runs
