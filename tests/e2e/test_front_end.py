"""`tarbox serve`'s front end under abuse: clients that trickle their headers, Host headers made
up by the thousand, bodies far over the limit. Each drives the real server over real sockets."""

from __future__ import annotations

import gzip
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import brotli
import requests

from tests.e2e.harness import Registry, Workspace, add_user, free_port, tarbox_server, unique
from tests.e2e.test_npm_core import a_library

MB = 1024 * 1024


def _address(server: Registry) -> tuple[str, int]:
    host, port = server.url.split("://", 1)[1].rstrip("/").split(":")
    return host, int(port)


def _publish(tmp_path: Path, server: Registry, user: str) -> str:
    name = unique("e2e-front")
    publisher = Workspace(tmp_path / "pub", server, token=add_user(server, user))
    publisher.run("npm", "publish", cwd=a_library(publisher.root, name)).ok()
    return name


def _files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


class Tricklers:
    """`count` connections that each send a request's headers a few bytes at a time, never
    finishing them; a connection the server drops is opened again."""

    def __init__(self, address: tuple[str, int], count: int) -> None:
        self._address = address
        self._count = count
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.opened = 0

    def __enter__(self) -> Tricklers:
        for _ in range(self._count):
            thread = threading.Thread(target=self._trickle, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5)

    def _trickle(self) -> None:
        request = b"GET /-/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 10_000
        while not self._stop.is_set():
            try:
                with socket.create_connection(self._address, timeout=5) as sock:
                    self.opened += 1
                    for at in range(0, len(request), 2):
                        sock.sendall(request[at : at + 2])
                        if self._stop.wait(0.5):
                            return
            except OSError:
                self._stop.wait(0.1)


def test_clients_trickling_headers_hold_up_nobody(tmp_path: Path) -> None:
    with tarbox_server(tmp_path, {}) as server:
        name = _publish(tmp_path, server, "trickled")
        slowest = 0.0
        with Tricklers(_address(server), 100) as tricklers:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                for path in ("-/ping", name):
                    started = time.monotonic()
                    answer = requests.get(server.url + path, timeout=5)
                    slowest = max(slowest, time.monotonic() - started)
                    assert answer.status_code == 200
                time.sleep(0.25)
            assert tricklers.opened >= 100
        assert slowest < 1.0, f"a request took {slowest:.2f} s behind 100 slow clients"


def test_made_up_host_headers_store_nothing(tmp_path: Path) -> None:
    with tarbox_server(tmp_path, {}) as server:
        name = _publish(tmp_path, server, "hosted")
        # Every name of the bound address once, so each has its stored documents.
        port = _address(server)[1]
        for host in ("127.0.0.1", "localhost", "[::1]"):
            for accept in ("application/json", "application/vnd.npm.install-v1+json"):
                headers = {"host": f"{host}:{port}", "accept": accept}
                assert requests.get(server.url + name, headers=headers, timeout=10).ok
        before = _files(tmp_path / "data")
        for n in range(300):
            headers = {"host": f"h{n}.example:{port}", "accept": "application/json"}
            answer = requests.get(server.url + name, headers=headers, timeout=10)
            assert answer.status_code == 200
            tarball = answer.json()["versions"]["1.0.0"]["dist"]["tarball"]
            assert tarball.startswith(server.url), tarball
        assert _files(tmp_path / "data") - before == set()


def _tree(pid: int) -> list[int]:
    """The process and all its descendants (the supervisor and granian's workers)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found.extend(_tree(int(child)))
    return found


def _bytes_written(pid: int) -> int:
    """What the server's processes have sent to storage (`write_bytes`: spooled temporary files
    count even when they were unlinked at once, as WSGI servers' are)."""
    total = 0
    for member in _tree(pid):
        for line in Path(f"/proc/{member}/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                total += int(line.split()[1])
    return total


def _serve_command(port: str, data_dir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "chalicelib.cli",
        "serve",
        "--port",
        port,
        "--data-dir",
        str(data_dir),
    ]


def _chunks(total: int) -> Iterator[bytes]:
    block = b"x" * MB
    for _ in range(total // MB):
        yield block


def test_a_body_ten_times_the_limit_is_refused_before_any_is_stored(tmp_path: Path) -> None:
    env = {"TARBOX_MAX_TARBALL_BYTES": str(MB)}
    with tarbox_server(tmp_path, env) as server:
        assert server.pid is not None
        token = add_user(server, "bulky")
        limit = MB * 4 // 3 + 16 * MB  # the body limit for a 1 MB tarball limit
        before, written = _files(tmp_path / "data"), _bytes_written(server.pid)
        # Declared up front: refused from the headers alone, before the body is read.
        with socket.create_connection(_address(server), timeout=10) as sock:
            sock.sendall(
                b"PUT /bulky-pkg HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\n"
                + f"Authorization: Bearer {token}\r\nContent-Length: {10 * limit}\r\n\r\n".encode()
                + b"{" * 65536
            )
            answer = sock.recv(65536).decode(errors="replace")
        assert answer.startswith("HTTP/1.1 413"), answer[:200]
        assert "Tarball too large for this registry (max 1.0 MB)" in answer
        # Chunked, no length: refused as soon as the limit is passed.
        refused = requests.put(
            server.url + "bulky-pkg",
            data=_chunks(10 * limit),
            headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
            timeout=60,
        )
        assert refused.status_code == 413
        assert _files(tmp_path / "data") - before == set()
        # Log lines only: nothing near the ~170 MB sent was written anywhere.
        assert _bytes_written(server.pid) - written < MB
        assert requests.get(server.url + "-/ping", timeout=5).ok


def _raw_get(server: Registry, path: str, headers: dict[str, str]) -> requests.Response:
    """A GET whose body is left as sent (requests would decode gzip itself)."""
    answer = requests.get(server.url + path, headers=headers, timeout=10, stream=True)
    answer.raw.decode_content = False
    answer._content = answer.raw.read()  # the undecoded bytes, on purpose
    return answer


def test_documents_are_served_in_each_stored_representation(tmp_path: Path) -> None:
    with tarbox_server(tmp_path, {}) as server:
        name = _publish(tmp_path, server, "encoded")
        corgi = {"accept": "application/vnd.npm.install-v1+json"}
        plain = _raw_get(server, name, {**corgi, "accept-encoding": "identity"})
        gzipped = _raw_get(server, name, {**corgi, "accept-encoding": "gzip,deflate"})
        brotlied = _raw_get(server, name, {**corgi, "accept-encoding": "gzip, deflate, br"})
        assert "content-encoding" not in plain.headers
        assert gzipped.headers["content-encoding"] == "gzip"
        assert brotlied.headers["content-encoding"] == "br"
        assert gzip.decompress(gzipped.content) == plain.content
        assert brotli.decompress(brotlied.content) == plain.content
        assert "Accept-Encoding" in plain.headers["vary"]
        etags = {r.headers["etag"] for r in (plain, gzipped, brotlied)}
        assert len(etags) == 3, "each representation has its own ETag"
        # A client that has the gzipped copy revalidates it on a kept-alive connection.
        with requests.Session() as session:
            headers = {
                **corgi,
                "accept-encoding": "gzip",
                "if-none-match": gzipped.headers["etag"],
            }
            for _ in range(3):
                again = session.get(server.url + name, headers=headers, timeout=10)
                assert again.status_code == 304 and again.content == b""
        identity = {**corgi, "accept-encoding": "identity"}
        head = requests.head(server.url + name, headers=identity, timeout=10)
        assert int(head.headers["content-length"]) == len(plain.content)


def test_a_second_server_on_a_taken_port_refuses_to_start(tmp_path: Path) -> None:
    # granian's workers share their socket (SO_REUSEPORT): without a check, a second registry
    # would start too and the kernel would split connections between the two.
    with tarbox_server(tmp_path, {}) as server:
        port = str(_address(server)[1])
        second = subprocess.run(
            _serve_command(port, tmp_path / "second"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode != 0
        assert "Address already in use" in second.stderr
        assert requests.get(server.url + "-/ping", timeout=5).ok


def test_a_body_cut_short_never_reaches_the_app(tmp_path: Path) -> None:
    with tarbox_server(tmp_path, {}) as server:
        body = json.dumps({"name": "cut", "password": "correct horse", "email": "c@x.org"})
        with socket.create_connection(_address(server), timeout=10) as sock:
            sock.sendall(
                b"PUT /-/user/org.couchdb.user:cut HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\n"
                + f"Content-Length: {len(body) + 500}\r\n\r\n{body}".encode()
            )
            sock.shutdown(socket.SHUT_WR)  # the client goes away mid-body
            assert sock.recv(4096).startswith(b"HTTP/1.1 400")
        # No account was made from the part that arrived.
        assert (
            requests.get(server.url + "-/user/org.couchdb.user:cut", timeout=5).status_code == 404
        )


def test_a_server_stopped_while_its_workers_start_exits_at_once(tmp_path: Path) -> None:
    # A forked worker inherits the supervisor's signal handlers until granian sets its own, and
    # CPython drops a signal taken before its fork hooks run: a stop that lands while a worker
    # starts must still stop it (not after 30 s). Failed 1 run in 11 on a loaded machine.
    port = str(free_port())
    with (tmp_path / "tarbox.log").open("wb") as log:
        server = subprocess.Popen(
            _serve_command(port, tmp_path / "data"),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while len(_tree(server.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.005)  # until both workers are forked: they are importing the app now
        assert len(_tree(server.pid)) >= 3
        server.terminate()
        server.wait(10)
    finally:
        server.kill()
        server.wait()
