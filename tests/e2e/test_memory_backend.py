"""`TARBOX_BACKEND=memory tarbox serve`: the whole registry in one process's memory, for trying
tarbox out. The real npm signs up, publishes and installs through it; nothing is written to the
data directory, and the server runs one worker (a second would have a registry of its own)."""

from __future__ import annotations

from pathlib import Path

import requests

from tests.e2e.harness import Workspace, a_library, add_user, tarbox_server


def test_npm_publishes_and_installs_on_the_memory_backend(tmp_path: Path) -> None:
    with tarbox_server(tmp_path, {"TARBOX_BACKEND": "memory"}) as registry:
        status = requests.get(f"{registry.url}-/status", timeout=30).json()
        alice = Workspace(tmp_path / "alice", registry, token=add_user(registry, "alice"))
        alice.run("npm", "publish", cwd=a_library(alice.root, "in-memory")).ok()
        app = alice.project("app")
        alice.run("npm", "install", "in-memory", cwd=app).ok()
        installed = (app / "node_modules" / "in-memory" / "index.js").read_text()
    assert status["backend"] == "memory"
    assert installed == 'module.exports = "in-memory@1.0.0";\n'
    assert "(memory: nothing kept when it stops)" in (tmp_path / "tarbox.log").read_text()
    assert "(1 workers)" in (tmp_path / "tarbox.log").read_text()
    assert not (tmp_path / "data").exists()
