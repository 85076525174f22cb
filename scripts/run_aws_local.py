"""`make run-aws-local`: `tarbox serve` on the AWS backend (DynamoDB, S3, Secrets Manager)
against a moto server of its own on 127.0.0.1, as the e2e tests run it. No AWS account and no
credentials: moto keeps everything in memory, and it is gone when this stops (Ctrl-C)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import AWS_ENV, moto_server  # noqa: E402 - after the path is set


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="4873")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work, moto_server(Path(work)) as endpoint:
        print(f"moto (the AWS backend, in memory) on {endpoint}", flush=True)
        env = {**os.environ, **AWS_ENV, "TARBOX_AWS_ENDPOINT_URL": endpoint}
        serve = [sys.executable, "-m", "chalicelib.cli", "serve", "--host", args.host]
        # The command line is this checkout's own tarbox, with the options given here.
        server = subprocess.Popen([*serve, "--port", args.port], cwd=ROOT, env=env)  # noqa: S603

        def stop(signum: int, frame: FrameType | None) -> None:
            server.terminate()  # then moto, as the `with` ends

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        return server.wait()


if __name__ == "__main__":
    raise SystemExit(main())
