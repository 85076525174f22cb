"""`chalice package` with the merged template, as `make package` runs it (and the benchmarks and
tests that need the real package)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def chalice_package(out: Path, stage: str = "prod") -> Path:
    """Build the package for `stage` into `out`, offline; raises with Chalice's output."""
    result = subprocess.run(  # noqa: S603 - our own arguments
        [
            str(Path(sys.executable).parent / "chalice"),
            "package",
            "--stage",
            stage,
            "--merge-template",
            str(ROOT / "infra" / "template.json"),
            str(out),
        ],
        cwd=ROOT,
        env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"chalice package failed:\n{result.stdout}\n{result.stderr}")
    return out
