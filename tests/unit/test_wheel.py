"""`pip install .` must give a whole tarbox: the wheel built from the checkout holds every module
of chalicelib/ and its data, and each imports from the wheel alone (not from the checkout)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.full_suite  # pip builds a wheel: seconds, not milliseconds

ROOT = Path(__file__).resolve().parents[2]
PIP_WHEEL = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]

IMPORT_ALL = """
import importlib, pkgutil, sys
import chalicelib
assert chalicelib.__file__.startswith(sys.argv[1]), chalicelib.__file__
modules = [m.name for m in pkgutil.walk_packages(chalicelib.__path__, "chalicelib.")]
for module in modules:
    importlib.import_module(module)
import app
from chalicelib.packuments import names
assert "fs" in names._BUILTINS  # its data file came along
print(len(modules))
"""


def test_the_wheel_holds_every_module_and_imports_alone(tmp_path: Path) -> None:
    # Built from a copy: setuptools builds in the tree, and a build/ left there by an earlier
    # build would hand its files to this one.
    source = tmp_path / "source"
    pycache = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "chalicelib", source / "chalicelib", ignore=pycache)
    for file in ("pyproject.toml", "app.py", "README.md"):
        shutil.copy(ROOT / file, source / file)
    built = subprocess.run(
        [*PIP_WHEEL, "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp_path / "dist").glob("tarbox-*.whl")
    unpacked = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
        packed = {name for name in archive.namelist() if name.startswith("chalicelib/")}

    checkout = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "chalicelib").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert checkout - packed == set()

    env = {**os.environ, "PYTHONPATH": str(unpacked)}
    imported = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, str(unpacked)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    modules = [p for p in checkout if p.endswith(".py") and not p.endswith("__init__.py")]
    assert int(imported.stdout.strip()) >= len(modules)
