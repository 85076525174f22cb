"""Precompile the deployment package: `python infra/precompile.py out/prod`.

`chalice package` ships no .pyc, and Lambda's /var/task is read-only, so every cold start would
compile every module it imports again (about a second for this app's dependencies,
shared/reference/aws-platform.md §6). This unpacks `deployment.zip`, compiles it with the
Python that matches the function's runtime, and packs it again. `unchecked-hash` pycs stay
valid whatever the zip does to file times.
"""

from __future__ import annotations

import compileall
import json
import sys
import tempfile
import zipfile
from pathlib import Path


def runtime_of(package: Path) -> str:
    template = json.loads((package / "sam.json").read_text())
    runtime: str = template["Resources"]["APIHandler"]["Properties"]["Runtime"]
    return runtime


def precompile(package: Path) -> int:
    """Compile the package's modules in place; how many .py files it has."""
    runtime = runtime_of(package)
    running = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtime != running:
        raise SystemExit(f"the function runs {runtime}; precompile with it, not {running}")
    bundle = package / "deployment.zip"
    with tempfile.TemporaryDirectory(prefix="tarbox-precompile-") as tmp:
        root = Path(tmp) / "task"
        with zipfile.ZipFile(bundle) as source:
            source.extractall(root)
        quiet = 2  # errors only
        ok = compileall.compile_dir(
            root,
            quiet=quiet,
            workers=0,
            invalidation_mode=compileall.py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        if not ok:
            raise SystemExit("some modules did not compile")
        files = sorted(p for p in root.rglob("*") if p.is_file())
        rebuilt = bundle.with_suffix(".zip.tmp")
        with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
            for path in files:
                info = zipfile.ZipInfo(str(path.relative_to(root)), date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = (path.stat().st_mode & 0o777) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(info, path.read_bytes())
        rebuilt.replace(bundle)
        return sum(1 for p in files if p.suffix == ".py")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python infra/precompile.py OUT_DIR (the `chalice package` output)")
        return 2
    count = precompile(Path(argv[0]))
    print(f"precompiled {count} modules into {argv[0]}/deployment.zip")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
