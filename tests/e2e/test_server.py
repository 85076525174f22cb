"""The local server: restarts keep data, threads keep their own requests, errors stay JSON."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from tests.e2e.harness import Workspace, add_user, tarbox_server, unique
from tests.e2e.test_npm_core import a_library


def test_data_survives_a_restart(tmp_path: Path) -> None:
    name = unique("e2e-restart")
    with tarbox_server(tmp_path, {}) as first:
        token = add_user(first, "restarter")
        publisher = Workspace(tmp_path / "pub", first, token=token)
        publisher.run("npm", "publish", cwd=a_library(publisher.root, name)).ok()
    with tarbox_server(tmp_path, {}) as second:
        user = Workspace(tmp_path / "again", second, token=token)
        assert user.run("npm", "whoami").ok().out.strip() == "restarter"
        app = user.project("app")
        user.run("npm", "install", name, cwd=app).ok()
        assert (app / "node_modules" / name / "index.js").exists()


def test_each_thread_sees_its_own_request(tmp_path: Path) -> None:
    # Chalice's current_request is one shared attribute unless the app is made thread-local;
    # with keep-alive sessions in parallel, a leak shows up as someone else's name.
    with tarbox_server(tmp_path, {}) as server:
        users = {f"thread{n}": add_user(server, f"thread{n}") for n in range(8)}

        def whoami_many(item: tuple[str, str]) -> set[str]:
            name, token = item
            with requests.Session() as session:
                headers = {"authorization": f"Bearer {token}"}
                return {
                    session.get(f"{server.url}-/whoami", headers=headers, timeout=10).json()[
                        "username"
                    ]
                    for _ in range(40)
                } - {name}

        with ThreadPoolExecutor(max_workers=8) as pool:
            leaks = set().union(*pool.map(whoami_many, users.items()))
        assert leaks == set()


def test_unknown_routes_and_methods_answer_npm_shaped_json(tmp_path: Path) -> None:
    with tarbox_server(tmp_path, {}) as server:
        for path in ("a/b/c/d/e/f/g", "-/nothing/here/at/all"):
            response = requests.get(server.url + path, timeout=10)
            assert response.status_code == 404
            assert set(response.json()) == {"error", "message"}
        response = requests.patch(server.url + "foo", timeout=10)
        assert response.status_code == 405 and "error" in response.json()


def test_an_over_size_body_is_refused_with_npm_shaped_413(tmp_path: Path) -> None:
    with tarbox_server(tmp_path, {"TARBOX_MAX_TARBALL_BYTES": "1000"}) as server:
        token = add_user(server, "big")
        response = requests.put(
            server.url + "foo",
            data=b"x" * (17 * 1024 * 1024),
            headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
            timeout=30,
        )
        assert response.status_code == 413
        assert "max 0.0 MB" in response.json()["error"]


def test_tarballs_stream_from_disk_with_head(tmp_path: Path) -> None:
    name = unique("e2e-head")
    with tarbox_server(tmp_path, {}) as server:
        publisher = Workspace(tmp_path / "pub", server, token=add_user(server, "header"))
        publisher.run("npm", "publish", cwd=a_library(publisher.root, name)).ok()
        url = f"{server.url}{name}/-/{name}-1.0.0.tgz"
        got = requests.get(url, timeout=10)
        assert got.status_code == 200 and got.content[:2] == b"\x1f\x8b"
        assert got.headers["Content-Type"] == "application/octet-stream"
        head = requests.head(url, timeout=10)
        assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(got.content)
