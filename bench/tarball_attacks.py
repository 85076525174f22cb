"""The hostile tarballs of issue 13 against the publish tarball reader: peak memory and time of
each, for the reader in this checkout and (with --against REV) the one in a git revision, side by
side. Numbers only; tests/unit/publish/test_tarball.py is what holds the line.

Run: `.venv/bin/python bench/tarball_attacks.py --against 459b652` (the last commit with the
standard library's tarfile reader).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.unit.publish.test_tarball import MANIFEST, entry  # noqa: E402

MB = 1024 * 1024
LIMITS = {"max_files": 10_000, "max_unpacked": 100 * MB * 20}  # the embedded default's


def attacks() -> dict[str, Callable[[], bytes]]:
    manifest = entry("package/package.json", MANIFEST)

    def archive(*entries: bytes, level: int = 1) -> bytes:
        return gzip.compress(b"".join(entries) + b"\0" * 1024, level)

    return {
        # (the long name is the next entry's: a throwaway file, then the manifest)
        "GNU long name of 256 MB": lambda: archive(
            entry("././@LongLink", b"n" * 256 * MB, kind=b"L"), entry("package/x", b"x"), manifest
        ),
        "500,000 directory entries": lambda: archive(
            manifest, *(entry(f"package/d{i}/", kind=b"5") for i in range(500_000))
        ),
        "2 GB of zeros in an entry of unknown type": lambda: archive(
            manifest, entry("package/bomb", b"\0" * 2048 * MB, kind=b"Z"), level=9
        ),
        "trailing garbage after the gzip stream": lambda: archive(manifest) + b"garbage",
    }


def reader(revision: str | None) -> ModuleType:
    if revision is None:
        from chalicelib.publish import tarball

        return tarball
    source = subprocess.run(
        ["git", "show", f"{revision}:chalicelib/publish/tarball.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path("/tmp") / f"tarball_{revision}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"tarball_{revision}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def peak_rss_kb() -> int:
    """This process's peak RSS (VmHWM; getrusage's ru_maxrss would carry the parent's peak over
    the exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def measure(revision: str | None, path: str) -> None:
    """In a child process of its own, so its peak RSS is this attack's alone."""
    data = Path(path).read_bytes()
    module = reader(revision)
    before = peak_rss_kb()
    started = time.monotonic()
    try:
        module.inspect_tarball(data, **LIMITS)
        outcome = "accepted"
    except Exception as exc:  # what it answers is the measurement
        outcome = f"{type(exc).__name__}: {exc}"[:90]
    seconds = time.monotonic() - started
    peak = peak_rss_kb()
    print(f"{seconds:7.2f} s  {max(0, peak - before) / 1024:8.0f} MB more  {outcome}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="a git revision whose reader to compare with")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--revision", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        measure(args.revision, args.one)
        return 0
    with tempfile.TemporaryDirectory() as where:
        for number, (name, made) in enumerate(attacks().items()):
            path = Path(where) / f"{number}.tgz"
            path.write_bytes(made())
            print(f"{name} ({path.stat().st_size / 1024:.0f} kB sent)")
            for revision in ([args.against] if args.against else []) + [None]:
                label = revision or "this checkout"
                print(f"  {label:>14}: ", end="", flush=True)
                command = [sys.executable, __file__, "--one", str(path)]
                command += ["--revision", revision] if revision else []
                subprocess.run(command, check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
