"""The deployment artefacts, built and checked offline (no AWS account, only PyPI wheels):
`chalice package --merge-template infra/template.json` for prod, cfn-lint and `sam validate
--lint` on the result, and the resources the registry needs, configured as docs/deploy.md says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from infra.build import chalice_package  # noqa: E402

# Both build the package, and `chalice package` shares its cache (.chalice/deployments): one at a
# time.
pytestmark = pytest.mark.xdist_group("package")
BIN = Path(sys.executable).parent
SAM = ROOT / ".venv-sam" / "bin" / "sam"  # `make sam` installs it (its own virtualenv)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return chalice_package(tmp_path_factory.mktemp("package") / "prod")


@pytest.fixture(scope="module")
def template(package: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((package / "sam.json").read_text())
    return loaded


def test_cfn_lint_finds_nothing(package: Path) -> None:
    result = subprocess.run(
        [str(BIN / "cfn-lint"), str(package / "sam.json")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_sam_validate_lint_passes(package: Path) -> None:
    assert SAM.exists(), "run `make sam` (make test does) to install the SAM CLI"
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"}
    result = subprocess.run(
        [str(SAM), "validate", "--lint", "--template", str(package / "sam.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_the_function_gets_every_resource_by_reference(template: dict[str, Any]) -> None:
    handler = template["Resources"]["APIHandler"]["Properties"]
    variables = handler["Environment"]["Variables"]
    assert variables["TARBOX_BACKEND"] == "aws"
    # the stack's table, or one restored from a backup (docs/deploy.md)
    assert variables["TARBOX_TABLE_NAME"] == {
        "Fn::If": ["UseRestoredTable", {"Ref": "TableNameOverride"}, {"Ref": "RegistryTable"}]
    }
    assert variables["TARBOX_COMMIT"] == {"Ref": "Commit"}
    assert variables["TARBOX_BUCKET_NAME"] == {"Ref": "BlobBucket"}
    assert variables["TARBOX_CDN_DOMAIN"] == {"Fn::GetAtt": ["CdnDistribution", "DomainName"]}
    assert variables["TARBOX_CDN_KEY_ID"] == {"Ref": "CdnPublicKeyResource"}
    assert variables["TARBOX_CDN_SIGNING_KEY_SECRET"] == {"Ref": "CdnSigningKey"}
    assert variables["TARBOX_STRIPE_WEBHOOK_SECRET_ARN"] == {"Ref": "WebhookSecret"}
    # nothing named by hand is left over from the stage configs
    assert not [v for v in variables.values() if isinstance(v, str) and "tarbox-" in v]


def test_the_table_and_the_bucket_keep_data_safe(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    table = resources["RegistryTable"]
    props = table["Properties"]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires", "Enabled": True}
    assert props["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    bucket = resources["BlobBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["rendered-packuments-are-a-cache"]["Prefix"] == "packuments/"
    assert rules["old-versions-and-incomplete-uploads"]["AbortIncompleteMultipartUpload"]


def test_cloudfront_serves_the_bucket_by_signed_url_only(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    config = resources["CdnDistribution"]["Properties"]["DistributionConfig"]
    origin = config["Origins"][0]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["CdnOriginAccessControl", "Id"]}
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["TrustedKeyGroups"] == [{"Ref": "CdnKeyGroup"}]
    assert behaviour["ViewerProtocolPolicy"] == "https-only"
    policy = resources["BlobBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    reader = next(s for s in policy if s["Effect"] == "Allow")
    assert reader["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert "AWS:SourceArn" in reader["Condition"]["StringEquals"]
    for secret in ("WebhookSecret", "CdnSigningKey"):
        assert resources[secret]["Type"] == "AWS::SecretsManager::Secret"
        # starts random, never a value anyone could sign with
        assert "GenerateSecretString" in resources[secret]["Properties"]


def test_the_front_door_serves_public_copies_and_asks_the_api_for_the_rest(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    config = resources["RegistryDistribution"]["Properties"]["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]}
    api, copies = origins["api"], origins["public-copies"]
    assert api["DomainName"] == {
        "Fn::Sub": "${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    }
    assert api["OriginPath"] == "/api"  # Chalice's stage
    assert copies["OriginPath"] == "/public"  # chalicelib/storage/aws/edge.py's prefix
    assert copies["OriginAccessControlId"] == {"Fn::GetAtt": ["CdnOriginAccessControl", "Id"]}
    # A tarball: its public copy, else (403 from S3) the API, which decides who may have it.
    group = config["OriginGroups"]["Items"][0]
    assert [m["OriginId"] for m in group["Members"]["Items"]] == ["public-copies", "api"]
    assert set(group["FailoverCriteria"]["StatusCodes"]["Items"]) == {403, 404}
    (tarballs,) = config["CacheBehaviors"]
    assert tarballs["PathPattern"] == "/*/-/*.tgz" and tarballs["TargetOriginId"] == "tarballs"
    assert tarballs["AllowedMethods"] == ["GET", "HEAD"]
    # Everything else is the API's; its answers are kept only as long as they say, one copy per
    # token and per Accept (abbreviated or full).
    default = config["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == "api" and "PUT" in default["AllowedMethods"]
    key = resources["PackumentCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert key["DefaultTTL"] == 0 and key["MinTTL"] == 0
    forwarded = key["ParametersInCacheKeyAndForwardedToOrigin"]
    assert set(forwarded["HeadersConfig"]["Headers"]) == {"Authorization", "Accept"}
    assert forwarded["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    tarball_key = resources["TarballCachePolicy"]["Properties"]["CachePolicyConfig"]
    headers = tarball_key["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]
    assert headers["Headers"] == ["Authorization"]  # the API needs the token on a failover
    # It reads the public copies' prefix only.
    policy = resources["BlobBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    door = next(s for s in policy if s.get("Sid") == "FrontDoorReadsPublicCopies")
    assert door["Resource"] == {"Fn::Sub": "${BlobBucket.Arn}/public/*"}
    assert (
        "${RegistryDistribution}" in door["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    )
    # The functions find it by the parameter's name, and believe the address it forwards only
    # with the header it alone sends.
    parameter = resources["FrontDoorParameter"]["Properties"]
    (secret_header,) = api["OriginCustomHeaders"]
    assert secret_header["HeaderName"] == "x-tarbox-edge"
    for function in ("APIHandler", "HookWorker"):
        variables = resources[function]["Properties"]["Environment"]["Variables"]
        assert variables["TARBOX_EDGE_PARAMETER"] == parameter["Name"]
        assert variables["TARBOX_EDGE_SECRET"] == secret_header["HeaderValue"]
    hook_variables = resources["HookWorker"]["Properties"]["Environment"]["Variables"]
    assert hook_variables["TARBOX_EDGE_LOG_BUCKET"] == {"Ref": "EdgeLogBucket"}
    assert config["Logging"]["Prefix"] == "cdn/"  # chalicelib/storage/aws/edge.py's LOG_PREFIX


def test_the_api_is_regional_behind_the_front_door(template: dict[str, Any]) -> None:
    """The front door is the registry's only CDN. An edge-optimized API would put API
    Gateway's own CloudFront after it, which appends its address to X-Forwarded-For after the
    front door's: the registry would then count every login attempt by a CloudFront server's
    address rather than the viewer's (chalicelib/http/request.py, client_ip)."""
    api = template["Resources"]["RestAPI"]["Properties"]
    assert api["EndpointConfiguration"] == "REGIONAL"


def test_the_policy_names_only_the_stacks_resources(template: dict[str, Any]) -> None:
    """What each action may touch; that the actions are exactly the code's calls is
    tests/api/test_aws_calls.py."""
    role = template["Resources"]["ApiHandlerRole"]["Properties"]
    assert [p["PolicyName"] for p in role["Policies"]] == ["tarbox-least-privilege"]
    for statement in role["Policies"][0]["PolicyDocument"]["Statement"]:
        if "Fn::If" in statement:  # X-Ray takes no resource but "*", and only when tracing
            condition, when_on, when_off = statement["Fn::If"]
            assert condition == "TracingOn" and when_off == {"Ref": "AWS::NoValue"}
            assert when_on["Resource"] == "*" and all(
                a.startswith("xray:") for a in when_on["Action"]
            )
            continue
        assert "*" not in json.dumps(statement["Resource"]).replace("/*", ""), statement


def test_the_deployment_package_has_the_code_and_its_dependencies(package: Path) -> None:
    with zipfile.ZipFile(package / "deployment.zip") as bundle:
        names = set(bundle.namelist())
    assert {"app.py", "chalicelib/packuments/builtin-modules.json"} <= names
    for dependency in ("pynamodb/", "argon2/", "cryptography/", "aws_xray_sdk/"):
        assert any(n.startswith(dependency) for n in names), dependency


def test_unmatched_paths_answer_npms_404(template: dict[str, Any]) -> None:
    swagger = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    # API Gateway answers unmatched paths itself (403 "Missing Authentication Token"); the
    # gateway response turns that into npm's 404 JSON, like the local server's.
    missing = swagger["x-amazon-apigateway-gateway-responses"]["MISSING_AUTHENTICATION_TOKEN"]
    assert missing["statusCode"] == 404
    assert '"error"' in missing["responseTemplates"]["application/json"]
    assert {"/{p1}", "/{p1}/-/{file}", "/{p1}/{p2}/-/{file}", "/-/whoami"} <= set(swagger["paths"])


def test_the_precompiled_package_imports_from_its_pycs(package: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from infra.precompile import precompile

    copy = tmp_path / "prod"
    copy.mkdir()
    for name in ("sam.json", "deployment.zip"):
        (copy / name).write_bytes((package / name).read_bytes())
    assert precompile(copy) > 100
    task = tmp_path / "task"
    with zipfile.ZipFile(copy / "deployment.zip") as bundle:
        names = set(bundle.namelist())
        bundle.extractall(task)
    tag = f"cpython-{sys.version_info.major}{sys.version_info.minor}"
    assert f"__pycache__/app.{tag}.pyc" in names
    assert f"chalicelib/__pycache__/wiring.{tag}.pyc" in names
    # as Lambda runs it: no site-packages, nothing written, the package alone on the path
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(task),
        "PYTHONDONTWRITEBYTECODE": "1",
        "TARBOX_BACKEND": "aws",
        "TARBOX_TABLE_NAME": "t",
        "TARBOX_BUCKET_NAME": "b",
    }
    result = subprocess.run(
        [sys.executable, "-S", "-v", "-c", "import app"],
        cwd=task,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # `python -v` says where each module's code came from: the pycs, not a compile
    assert f"code object from '{task}/__pycache__/app.{tag}.pyc'" in result.stderr
    assert f"code object from '{task}/chalicelib/__pycache__/wiring.{tag}.pyc'" in result.stderr
