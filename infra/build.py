"""`chalice package` with the merged template, as `make package` runs it (and the benchmarks and
tests that need the real package).

Chalice zips `chalicelib/` as it finds it, `__pycache__` included. While tests run, Python
writes `.pyc` files there, and a file that grows while it is zipped makes a corrupt archive. So
the package is built from a copy of the sources without them; Chalice's cache of built
dependencies (`.chalice/deployments`) is shared through a symlink, so no build repeats it.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("app.py", "requirements.txt")
CACHE = ROOT / ".chalice" / "deployments"


@contextmanager
def staged_sources() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="tarbox-package-") as where:
        stage = Path(where)
        for name in SOURCES:
            shutil.copy2(ROOT / name, stage / name)
        shutil.copytree(
            ROOT / "chalicelib", stage / "chalicelib", ignore=shutil.ignore_patterns("__pycache__")
        )
        shutil.copytree(
            ROOT / ".chalice", stage / ".chalice", ignore=shutil.ignore_patterns("deployments")
        )
        CACHE.mkdir(parents=True, exist_ok=True)
        (stage / ".chalice" / "deployments").symlink_to(CACHE, target_is_directory=True)
        yield stage


def chalice_package(out: Path, stage: str = "prod") -> Path:
    """Build the package for `stage` into `out`, offline; raises with Chalice's output.

    Chalice reuses a cached zip when one with the sources' hash exists, even one another build
    is still writing, so builds take a lock on the cache; and a package whose zip does not
    read back is built again once, without the cached zips that do not read back either."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE.parent / "deployments.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _build(out, stage)
        if _readable(out / "deployment.zip"):
            return out.resolve()
        for cached in CACHE.glob("*.zip"):
            if not _readable(cached):
                cached.unlink()
        shutil.rmtree(out, ignore_errors=True)
        _build(out, stage)
    return out.resolve()


def _readable(bundle: Path) -> bool:
    try:
        with zipfile.ZipFile(bundle) as archive:
            return archive.testzip() is None
    except (OSError, zipfile.BadZipFile):
        return False


def _build(out: Path, stage: str) -> None:
    out = out.resolve()
    with staged_sources() as sources:
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
            cwd=sources,
            env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"chalice package failed:\n{result.stdout}\n{result.stderr}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="chalice package, from clean sources")
    parser.add_argument("out", type=Path)
    parser.add_argument("--stage", default="prod")
    args = parser.parse_args(argv)
    if args.out.exists():
        shutil.rmtree(args.out)
    chalice_package(args.out, args.stage)
    print(f"packaged {args.stage} into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
