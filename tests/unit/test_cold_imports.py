"""What a cold start loads: importing the handler and answering `/-/ping` loads none of the SDKs,
crypto or hashing libraries (their import costs are in docs/performance.md); the first request
that needs one imports it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# botocore's package itself is loaded (powertools' metrics import its version), not its clients.
HEAVY = (
    "boto3",
    "botocore.client",
    "botocore.session",
    "pynamodb",
    "cryptography",
    "argon2",
    "pyotp",
    "aws_xray_sdk",
)

PROBE = """
import json, sys
import app
event = json.load(open("tests/handler/events/base.json"))
event.update(resource="/-/ping", path="/-/ping", pathParameters=None)
event["requestContext"]["resourcePath"] = "/-/ping"
class Context:
    aws_request_id = "cold"
    function_name = "tarbox"
answer = app.app(event, Context())
loaded = sorted(sys.modules)
print(json.dumps({"status": answer["statusCode"], "loaded": loaded}))
"""


def test_a_ping_cold_start_loads_no_sdk() -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "TARBOX_BACKEND": "aws",
        "TARBOX_TABLE_NAME": "t",
        "TARBOX_BUCKET_NAME": "b",
        "AWS_LAMBDA_FUNCTION_NAME": "tarbox-test",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["status"] == 200
    assert not set(HEAVY) & set(probe["loaded"]), set(HEAVY) & set(probe["loaded"])
