"""What an operator who got the setup wrong sees: one line saying what to do, and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Nowhere for boto3 to find credentials: no variables, no files, no instance metadata.
NO_CREDENTIALS = {
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def tarbox(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TARBOX_"))}
    return subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", *args],
        cwd=ROOT,
        env={**clean, **NO_CREDENTIALS, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_aws_credentials_is_one_line() -> None:
    aws = {"TARBOX_BACKEND": "aws", "TARBOX_TABLE_NAME": "t", "TARBOX_BUCKET_NAME": "b"}
    for command in (["serve", "--port", "0"], ["cache", "ls"]):
        done = tarbox(*command, env=aws)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("tarbox: no AWS credentials found for the aws backend")
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_a_missing_setting_is_one_line() -> None:
    done = tarbox("serve", "--port", "0", env={"TARBOX_BACKEND": "aws"})
    assert done.returncode == 2
    assert done.stderr == "tarbox: TARBOX_TABLE_NAME must be set for the aws backend\n"


def test_the_memory_backend_is_served_by_one_worker_only() -> None:
    # Each worker would have an empty registry of its own.
    done = tarbox("serve", "--port", "0", "--workers", "2", env={"TARBOX_BACKEND": "memory"})
    assert done.returncode == 2
    assert done.stderr == (
        "tarbox: the memory backend keeps everything in one process: serve it with --workers 1\n"
    )
