"""Cold start of the Lambda handler, measured on the deployment package itself.

Builds the package (`chalice package` with infra/template.json), keeps one copy as Chalice
ships it and one precompiled (infra/precompile.py), unpacks each, and runs fresh Python
processes on it with `PYTHONDONTWRITEBYTECODE=1` and no site-packages, as Lambda runs
/var/task: the import of `app`, then the import plus a first `/-/ping`, then the import plus a
first tarball redirect (settings, stores, a boto3 client, two DynamoDB reads and a presigned
URL) against moto's server on 127.0.0.1. Prints min / median / max per case; asserts nothing.

    .venv/bin/python bench/coldstart.py [--runs 9]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from infra.build import chalice_package  # noqa: E402
from infra.precompile import precompile  # noqa: E402
from tests.e2e.harness import moto_server  # noqa: E402

EVENT = ROOT / "tests" / "handler" / "events" / "base.json"
TABLE, BUCKET = "tarbox-coldstart", "tarbox-coldstart-blobs"

# Runs inside the fresh process: import the handler, answer one event, print the timings.
PROBE = r"""
import json, sys, time
started = time.perf_counter()
import app
imported = time.perf_counter()
case = sys.argv[1]
if case != "import":
    event = json.load(open(sys.argv[2]))
    if case == "ping":
        resource, path, params = "/-/ping", "/-/ping", None
    else:
        resource, path = "/{p1}/-/{file}", "/coldlib/-/coldlib-1.0.0.tgz"
        params = {"p1": "coldlib", "file": "coldlib-1.0.0.tgz"}
    event.update(resource=resource, path=path, pathParameters=params)
    event["requestContext"].update(resourcePath=resource, path="/api" + path)
    class Context:
        aws_request_id = "cold"
        function_name = "tarbox-coldstart"
    answer = app.app(event, Context())
    assert answer["statusCode"] in (200, 302), answer
done = time.perf_counter()
print(json.dumps({"import_ms": (imported - started) * 1000, "total_ms": (done - started) * 1000}))
"""


def build(workdir: Path) -> tuple[Path, Path]:
    raw = chalice_package(workdir / "raw")
    compiled = workdir / "precompiled"
    shutil.copytree(raw, compiled)
    precompile(compiled)
    return raw, compiled


def unpack(package: Path, into: Path) -> Path:
    with zipfile.ZipFile(package / "deployment.zip") as bundle:
        bundle.extractall(into)
    return into


def env_for(task: Path, endpoint: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(task),
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": "tarbox-coldstart",
        "TARBOX_BACKEND": "aws",
        "TARBOX_TABLE_NAME": TABLE,
        "TARBOX_BUCKET_NAME": BUCKET,
        "TARBOX_AWS_ENDPOINT_URL": endpoint,
    }


def seed(endpoint: str) -> None:
    """A package to redirect to, published through the app on the same moto server."""
    quiet = {k: v for k, v in env_for(ROOT, endpoint).items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    # boto3 and powertools read theirs from the environment; the registry is told its settings.
    aws = {k: v for k, v in quiet.items() if k.startswith("AWS_")}
    os.environ.update({**aws, "POWERTOOLS_LOG_LEVEL": "WARNING"})
    from chalice.test import Client

    from app import app
    from chalicelib import wiring
    from chalicelib.settings import Settings
    from tests.builders import a_publish_body

    wiring.use(Settings.from_env(quiet))
    with Client(app, stage_name="coldstart") as client:
        signup = {"name": "cold", "password": "correct horse", "email": "cold@example.com"}
        body = json.dumps(signup).encode()
        headers = {"content-type": "application/json"}
        answer = client.http.put("/-/user/org.couchdb.user:cold", headers=headers, body=body)
        token = json.loads(answer.body)["token"]
        headers["authorization"] = f"Bearer {token}"
        publish = json.dumps(a_publish_body("coldlib")).encode()
        answer = client.http.put("/coldlib", headers=headers, body=publish)
        assert answer.status_code == 201, answer.body


def measure(task: Path, case: str, endpoint: str, runs: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"import_ms": [], "total_ms": []}
    for _ in range(runs):
        completed = subprocess.run(
            [sys.executable, "-S", "-c", PROBE, case, str(EVENT)],
            cwd=task,
            env=env_for(task, endpoint),
            capture_output=True,
            text=True,
            check=False,
        )
        line = completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else ""
        if completed.returncode != 0 or not line.startswith("{"):
            raise SystemExit(f"{case} in {task} failed:\n{completed.stdout}\n{completed.stderr}")
        for key, value in json.loads(line).items():
            results[key].append(value)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=9, help="fresh processes per case")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tarbox-coldstart-") as tmp:
        workdir = Path(tmp)
        raw, compiled = build(workdir)
        with moto_server(workdir) as endpoint:
            seed(endpoint)
            rows = []
            for label, package in (("as chalice ships it", raw), ("precompiled", compiled)):
                task = unpack(package, workdir / f"task-{package.name}")
                for case in ("import", "ping", "tarball"):
                    timings = measure(task, case, endpoint, args.runs)
                    key = "import_ms" if case == "import" else "total_ms"
                    rows.append((label, case, timings[key]))
    print(f"python {sys.version.split()[0]}, {args.runs} fresh processes per case, ms")
    print(f"{'package':<22}{'case':<10}{'min':>8}{'median':>9}{'max':>8}")
    for label, case, values in rows:
        print(
            f"{label:<22}{case:<10}{min(values):>8.0f}"
            f"{statistics.median(values):>9.0f}{max(values):>8.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
