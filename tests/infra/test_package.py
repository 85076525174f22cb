"""`chalice package` builds the deployment artefacts offline (no AWS account, only PyPI wheels)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_chalice_package_for_prod(tmp_path: Path) -> None:
    out = tmp_path / "prod"
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    chalice = Path(sys.executable).parent / "chalice"
    result = subprocess.run(
        [
            str(chalice),
            "package",
            "--stage",
            "prod",
            "--merge-template",
            str(ROOT / "infra" / "template.json"),
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    template = json.loads((out / "sam.json").read_text())
    handler = template["Resources"]["APIHandler"]["Properties"]
    variables = handler["Environment"]["Variables"]
    assert variables["TARBOX_BACKEND"] == "aws" and variables["TARBOX_TABLE_NAME"] == "tarbox-prod"
    # the billing webhooks' secret comes from SSM, and the function may read exactly that one
    parameter = variables["TARBOX_STRIPE_WEBHOOK_SECRET_PARAMETER"]
    assert parameter == "/tarbox/prod/stripe-webhook-secret"
    policy = json.loads((ROOT / ".chalice" / "policy-prod.json").read_text())
    ssm = [s for s in policy["Statement"] if "ssm:GetParameter" in s["Action"]]
    assert [s["Resource"] for s in ssm] == [f"arn:aws:ssm:*:*:parameter{parameter}"]
    swagger = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    paths = swagger["paths"]
    # API Gateway answers unmatched paths itself (403 "Missing Authentication Token"); the
    # gateway response turns that into npm's 404 JSON, like the local server's.
    missing = swagger["x-amazon-apigateway-gateway-responses"]["MISSING_AUTHENTICATION_TOKEN"]
    assert missing["statusCode"] == 404
    assert '"error"' in missing["responseTemplates"]["application/json"]
    assert {"/{p1}", "/{p1}/-/{file}", "/{p1}/{p2}/-/{file}", "/-/whoami"} <= set(paths)
    with zipfile.ZipFile(out / "deployment.zip") as bundle:
        names = set(bundle.namelist())
    assert {"app.py", "chalicelib/packuments/builtin-modules.json"} <= names
    assert any(n.startswith("pynamodb/") for n in names) and any(
        n.startswith("argon2/") for n in names
    )
