"""`make run-aws-local` (scripts/run_aws_local.py): tarbox on the AWS backend against a moto of
its own, for a newcomer without an AWS account; npm can sign up and publish to it."""

from __future__ import annotations

import sys
from pathlib import Path

import requests

from tests.e2e.harness import ROOT, Registry, Workspace, a_library, add_user, started


def test_run_aws_local_serves_the_aws_backend(tmp_path: Path) -> None:
    script = [sys.executable, str(ROOT / "scripts" / "run_aws_local.py"), "--port", "{port}"]
    port, process = started(
        script, None, tmp_path / "run.log", lambda port: f"http://127.0.0.1:{port}/-/ping"
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        assert requests.get(f"{url}-/status", timeout=30).json()["backend"] == "aws"
        registry = Registry(url, "aws", tmp_path / "run.log")
        alice = Workspace(tmp_path / "alice", registry, token=add_user(registry, "alice"))
        alice.run("npm", "publish", cwd=a_library(alice.root, "on-moto")).ok()
        document = requests.get(f"{url}on-moto", timeout=30).json()
        assert document["dist-tags"] == {"latest": "1.0.0"}
    finally:
        process.terminate()
        assert process.wait(30) == 0 or process.returncode < 0
    assert (
        "moto (the AWS backend, in memory) on http://localhost:"
        in (tmp_path / "run.log").read_text()
    )
