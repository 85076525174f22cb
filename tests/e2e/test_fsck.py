"""`tarbox fsck` as an operator runs it, against a running registry's embedded data: it finds
what a crash left next to what npm published, `--repair` removes that, and npm still installs
every version afterwards."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.harness import Workspace, a_library, add_user, tarbox_command, tarbox_server, unique


def fsck(data: Path, *options: str) -> list[str]:
    done = tarbox_command(
        "fsck",
        "--grace",
        "0",
        *options,
        env={"TARBOX_BACKEND": "embedded", "TARBOX_DATA_DIR": str(data)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


def test_fsck_repairs_a_crashed_registry_and_npm_installs_on(tmp_path: Path) -> None:
    with tarbox_server(tmp_path, {}) as server:
        data = tmp_path / "data"
        owner = unique("fsck")
        a = Workspace(tmp_path / "owner", server, token=add_user(server, owner))
        name = unique("fsck-lib")
        for version in ("1.0.0", "1.0.1"):
            a.run("npm", "publish", cwd=a_library(a.root, name, version)).ok()
        # What a publish killed after storing its tarball leaves, and a write killed before
        # its rename.
        folder = data / "blobs" / "tarballs" / name
        (folder / ("f" * 40 + ".tgz")).write_bytes(b"a tarball no version names")
        (folder / ".tmp-killed").write_bytes(b"half a tarball")

        found = fsck(data)
        assert f"tarball: tarballs/{name}/{'f' * 40}.tgz" in found
        assert f"temporary file: tarballs/{name}/.tmp-killed" in found
        assert not [line for line in found if line.startswith("tarball:") and "f" * 40 not in line]

        assert fsck(data, "--repair")[-1].startswith("removed ")
        assert fsck(data) == ["no leftovers"]

        b = Workspace(tmp_path / "user", server)
        project = b.project("project", {"name": "project", "version": "1.0.0"})
        for version in ("1.0.0", "1.0.1"):
            b.run("npm", "install", f"{name}@{version}", cwd=project).ok()
            script = f"console.log(require({json.dumps(name)}))"
            assert b.run("node", "-e", script, cwd=project).ok().out.strip() == f"{name}@{version}"
