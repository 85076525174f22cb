"""The read-through cache's waits on its upstream, behind `tarbox serve`: a tarball's first
download is streamed to the client as it arrives, and kept only when the whole matches the
upstream's integrity; and while a request waits on the upstream, the worker's other reads go on
(the hot reads run on its event loop: chalicelib/blocking.py). One worker process, so that
every request meets the same loop."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import requests

from chalicelib.upstream.cache import CHUNK_BYTES
from tests.e2e.harness import Registry, serving, tarbox_server

NAME = "slow-lib"
FILE = f"{NAME}-1.0.0.tgz"
TARBALL = bytes(range(256)) * 1024  # 256 kB: what is kept is checked, not unpacked


@dataclass
class Upstream:
    """A registry that holds back the second half of what it sends (a packument, a tarball)
    until the test says `go`, and counts what it was asked for."""

    url: str = ""
    body: bytes = TARBALL  # what it sends as the tarball
    cut: bool = False  # send half the tarball, then hang up
    stall: set[str] = field(default_factory=set)  # paths held back until `go`
    go: threading.Event = field(default_factory=threading.Event)
    asked: Counter[str] = field(default_factory=Counter)

    def packument(self) -> bytes:
        sha512 = base64.b64encode(hashlib.sha512(TARBALL).digest()).decode()
        dist = {
            "tarball": f"{self.url}/{NAME}/-/{FILE}",
            "integrity": f"sha512-{sha512}",
            "shasum": hashlib.sha1(TARBALL).hexdigest(),
        }
        version = {"name": NAME, "version": "1.0.0", "dist": dist}
        document = {
            "name": NAME,
            "dist-tags": {"latest": "1.0.0"},
            "versions": {"1.0.0": version},
            "time": {"1.0.0": "2026-01-01T00:00:00.000Z"},
        }
        return json.dumps(document).encode()


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    state = Upstream()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.asked[self.path] += 1
            body = {f"/{NAME}": state.packument(), f"/{NAME}/-/{FILE}": state.body}.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if state.cut and self.path.endswith(".tgz"):
                self.wfile.write(body[: len(body) // 2])
                self.close_connection = True
                return
            half = len(body) // 2
            self.wfile.write(body[:half])
            self.wfile.flush()
            if self.path in state.stall:
                state.go.wait(30)
            self.wfile.write(body[half:])

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serving(Handler) as url:
        state.url = url
        try:
            yield state
        finally:
            state.go.set()  # no handler left waiting


@pytest.fixture
def cache(upstream: Upstream, tmp_path: Path) -> Iterator[Registry]:
    env = {"TARBOX_UPSTREAMS": f"*={upstream.url}"}
    with tarbox_server(tmp_path, env, args=("--workers", "1")) as server:
        yield server


def answers_now(cache: Registry) -> bool:
    """A hot read (the loop's) answers while another request waits on the upstream."""
    return requests.get(f"{cache.url}-/ping", timeout=5).status_code == 200


def test_a_first_download_is_streamed_while_it_is_kept(upstream: Upstream, cache: Registry) -> None:
    assert requests.get(f"{cache.url}{NAME}", timeout=10).status_code == 200
    upstream.stall.add(f"/{NAME}/-/{FILE}")
    # No Accept header at all: a tarball is answered to any client.
    answer = requests.get(
        f"{cache.url}{NAME}/-/{FILE}", stream=True, timeout=10, headers={"Accept": None}
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/octet-stream"
    # The first half reaches the client while the upstream still holds back the second, all
    # but the last chunk read (held until the whole is checked and kept).
    first = answer.raw.read(len(TARBALL) // 2 - CHUNK_BYTES)
    assert first == TARBALL[: len(first)] and len(first) >= CHUNK_BYTES
    assert not upstream.go.is_set() and answers_now(cache)
    upstream.go.set()
    assert first + answer.raw.read() == TARBALL
    again = requests.get(f"{cache.url}{NAME}/-/{FILE}", timeout=10)
    assert again.content == TARBALL
    assert upstream.asked[f"/{NAME}/-/{FILE}"] == 1  # kept: the second came from here


def test_a_packument_miss_waits_off_the_loop(upstream: Upstream, cache: Registry) -> None:
    upstream.stall.add(f"/{NAME}")
    result: dict[str, int] = {}
    reading = threading.Thread(
        target=lambda: result.update(
            status=requests.get(f"{cache.url}{NAME}", timeout=30).status_code
        )
    )
    reading.start()
    try:
        assert answers_now(cache) and not upstream.go.is_set()
    finally:
        upstream.go.set()
        reading.join(30)
    assert result == {"status": 200}


def test_a_tarball_that_does_not_match_is_cut_short_and_never_kept(
    upstream: Upstream, cache: Registry
) -> None:
    upstream.body = TARBALL[:-1] + b"!"
    assert requests.get(f"{cache.url}{NAME}", timeout=10).status_code == 200
    for _ in range(2):
        # The last chunk is held until the whole is checked, so the client never gets the
        # wrong bytes whole: its download breaks off...
        with pytest.raises(requests.exceptions.RequestException):
            requests.get(f"{cache.url}{NAME}/-/{FILE}", timeout=10)
    # ...and it was fetched again the second time: nothing was kept.
    assert upstream.asked[f"/{NAME}/-/{FILE}"] == 2


def test_a_download_that_breaks_off_is_cut_short_for_the_client_too(
    upstream: Upstream, cache: Registry
) -> None:
    upstream.cut = True
    assert requests.get(f"{cache.url}{NAME}", timeout=10).status_code == 200
    with pytest.raises(requests.exceptions.RequestException):  # no whole-looking half body
        requests.get(f"{cache.url}{NAME}/-/{FILE}", timeout=10)
    upstream.cut = False  # and nothing was kept: the next request fetches it whole
    assert requests.get(f"{cache.url}{NAME}/-/{FILE}", timeout=10).content == TARBALL
    assert upstream.asked[f"/{NAME}/-/{FILE}"] == 2
