"""Deploy a packaged stage: `make deploy STAGE=dev|prod` runs `make package`, then this.

1. Upload the precompiled `deployment.zip` and the merged template to the artifact bucket,
   keyed by content (a re-run uploads nothing new and changes nothing).
2. Create a CloudFormation change set for the stack `tarbox-<stage>` (a new stack or an
   update), with the template's parameters, and wait for it.
3. Execute it and wait for the stack; print its outputs (the API's URL, the CDN, the secrets).

`--dry-run` does everything up to the first AWS call and prints the plan, so CI checks it offline.
docs/deploy.md is the runbook around it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]  # the SAM transform expands
STAGES = ("dev", "prod")


@dataclass
class Plan:
    stack: str
    region: str
    bucket: str
    code_key: str
    template_key: str
    parameters: dict[str, str]
    outputs: dict[str, str] = field(default_factory=dict)


def plan_for(args: argparse.Namespace) -> tuple[Plan, bytes, bytes]:
    out = Path(args.out)
    code = (out / "deployment.zip").read_bytes()
    template = json.loads((out / "sam.json").read_text())
    code_key = f"tarbox/{args.stage}/code-{hashlib.sha256(code).hexdigest()[:32]}.zip"
    handler = template["Resources"]["APIHandler"]["Properties"]
    handler["CodeUri"] = {"Bucket": args.artifact_bucket, "Key": code_key}
    body = json.dumps(template, indent=1, sort_keys=True).encode()
    template_key = f"tarbox/{args.stage}/template-{hashlib.sha256(body).hexdigest()[:32]}.json"
    public_key = Path(args.cdn_public_key).read_text().strip()
    if "BEGIN PUBLIC KEY" not in public_key:
        raise SystemExit(f"{args.cdn_public_key} is not a PEM public key (docs/deploy.md)")
    parameters = {
        "CdnPublicKey": public_key,
        "PublicUrl": args.public_url,
        "CertificateArn": args.certificate_arn,
        "Tracing": args.tracing,
        "Commit": args.commit or commit(),
        "TableNameOverride": args.table_name_override,
        "CdnKeyVersion": args.cdn_key_version,
    }
    plan = Plan(
        f"tarbox-{args.stage}",
        args.region,
        args.artifact_bucket,
        code_key,
        template_key,
        parameters,
    )
    return plan, code, body


def commit() -> str:
    found = subprocess.run(
        ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() or "unknown"


def deploy(plan: Plan, code: bytes, template: bytes) -> Plan:
    import boto3

    session = boto3.session.Session(region_name=plan.region)
    s3, cloudformation = session.client("s3"), session.client("cloudformation")
    for key, data in ((plan.code_key, code), (plan.template_key, template)):
        s3.put_object(Bucket=plan.bucket, Key=key, Body=data)
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": plan.bucket, "Key": plan.template_key}, ExpiresIn=3600
    )
    kind = "UPDATE" if _exists(cloudformation, plan.stack) else "CREATE"
    name = f"tarbox-{int(time.time())}"
    cloudformation.create_change_set(
        StackName=plan.stack,
        ChangeSetName=name,
        ChangeSetType=kind,
        TemplateURL=url,
        Capabilities=CAPABILITIES,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in plan.parameters.items()],
    )
    if not _wait_for_change_set(cloudformation, plan.stack, name):
        print("nothing to change")
        return plan
    cloudformation.execute_change_set(StackName=plan.stack, ChangeSetName=name)
    waiter = "stack_create_complete" if kind == "CREATE" else "stack_update_complete"
    cloudformation.get_waiter(waiter).wait(
        StackName=plan.stack, WaiterConfig={"Delay": 10, "MaxAttempts": 180}
    )
    stack = cloudformation.describe_stacks(StackName=plan.stack)["Stacks"][0]
    plan.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return plan


def _exists(cloudformation: Any, stack: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        found = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return False
        raise
    status = found[0]["StackStatus"] if found else "REVIEW_IN_PROGRESS"
    if status == "ROLLBACK_COMPLETE":
        # The first create failed and rolled back: such a stack takes no updates.
        raise SystemExit(
            f"{stack} never finished its first create ({status}): read its events, delete it "
            f"(aws cloudformation delete-stack --stack-name {stack}) and deploy again"
        )
    return status != "REVIEW_IN_PROGRESS"


def _wait_for_change_set(cloudformation: Any, stack: str, name: str) -> bool:
    """True once the change set is ready; False when it has nothing to change."""
    while True:
        found = cloudformation.describe_change_set(StackName=stack, ChangeSetName=name)
        status, reason = found["Status"], found.get("StatusReason", "")
        if status == "CREATE_COMPLETE":
            return True
        if status == "FAILED":
            if "didn't contain changes" in reason or "No updates" in reason:
                cloudformation.delete_change_set(StackName=stack, ChangeSetName=name)
                return False
            raise SystemExit(f"the change set failed: {reason}")
        time.sleep(5)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Deploy a packaged tarbox stage.")
    parser.add_argument("--stage", choices=STAGES, required=True)
    parser.add_argument("--out", help="the `make package` output (default out/STAGE)")
    parser.add_argument("--region", required=True)
    parser.add_argument("--artifact-bucket", required=True, help="an S3 bucket for the upload")
    parser.add_argument("--cdn-public-key", required=True, help="PEM file (docs/deploy.md)")
    parser.add_argument("--public-url", default="", help="e.g. https://registry.example.com")
    parser.add_argument(
        "--certificate-arn", default="", help="ACM (us-east-1) certificate for --public-url's host"
    )
    parser.add_argument("--tracing", choices=("on", "off"), default="off")
    parser.add_argument("--commit", default="")
    parser.add_argument("--table-name-override", default="", help="a restored table's name")
    parser.add_argument("--cdn-key-version", default="1", help="bump it to rotate the CDN key")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; call nothing")
    args = parser.parse_args(argv)
    args.out = args.out or str(ROOT / "out" / args.stage)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    plan, code, template = plan_for(args)
    if args.dry_run:
        print(json.dumps({"dry_run": True, **asdict(plan), "code_bytes": len(code)}, indent=2))
        return 0
    done = deploy(plan, code, template)
    print(json.dumps(done.outputs, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
