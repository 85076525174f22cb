"""Download counts with the real npm, on both backends: every install that fetches the tarball
counts, and the counts come back in api.npmjs.org's shape."""

from __future__ import annotations

import time
from pathlib import Path

import requests

from tests.e2e.harness import Registry, Workspace, a_library, add_user, unique


def counted(registry: Registry, path: str, expected: int) -> dict[str, object]:
    """The counts are stored in batches (every second here): wait for them."""
    deadline = time.monotonic() + 20
    while True:
        found: dict[str, object] = requests.get(f"{registry.url}{path}", timeout=30).json()
        if found.get("downloads") == expected or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def test_installs_are_counted(tmp_path: Path, registry: Registry) -> None:
    owner = unique("counted")
    o = Workspace(tmp_path / "owner", registry, token=add_user(registry, owner))
    name = unique("popular")
    o.run("npm", "publish", cwd=a_library(o.root, name)).ok()
    for i in range(3):  # three machines, each with its own empty cache
        machine = Workspace(tmp_path / f"machine-{i}", registry)
        project = machine.project("app", {"name": "app", "version": "1.0.0"})
        machine.run("npm", "install", name, cwd=project).ok()
    found = counted(registry, f"downloads/point/last-day/{name}", 3)
    assert found["downloads"] == 3 and found["package"] == name
    week = requests.get(f"{registry.url}downloads/range/last-week/{name}", timeout=30).json()
    assert [day["downloads"] for day in week["downloads"]] == [0, 0, 0, 0, 0, 0, 3]
