"""The read-through cache's answers that need no upstream to answer, on both backends."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

import pytest

from chalicelib import wiring
from tests.api.conftest import Api, body_of
from tests.builders import a_publish_body, a_tarball, integrity_of
from tests.e2e.harness import free_port, serving
from tests.upstream_standin import standin_registry


@pytest.fixture
def down(any_api: Api) -> Api:
    """Every name routed to an upstream that does not answer (a closed port here)."""
    gone = f"http://127.0.0.1:{free_port()}"
    any_api.configure(
        TARBOX_UPSTREAMS=f"*={gone},@corp={gone}", TARBOX_UPSTREAM_TOKENS="@corp=s3cret"
    )
    return any_api


def test_a_name_never_fetched_answers_502_while_the_upstream_is_down(down: Api) -> None:
    answer = down.call("GET", "/lodash")
    assert answer.status_code == 502 and "lodash" in body_of(answer)["error"]
    assert down.call("GET", "/lodash/-/lodash-4.17.21.tgz").status_code == 502


def test_a_private_upstreams_packages_are_for_logged_in_users_only(down: Api) -> None:
    assert down.call("GET", "/@corp%2ftool").status_code == 401
    assert down.call("GET", "/@corp%2ftool/latest").status_code == 401
    bob = down.add_user("bob")
    assert down.call("GET", "/@corp%2ftool", token=bob).status_code == 502  # then it is asked


def test_a_package_here_is_answered_without_asking(down: Api, alice: str) -> None:
    assert down.call("PUT", "/mine", a_publish_body("mine"), token=alice).status_code == 201
    assert down.call("GET", "/mine").status_code == 200
    # alice's own scope is held here: never fetched, whatever the routes say.
    assert down.call("GET", "/@alice%2fnothing").status_code == 404


def through_corp(api: Api, url: str) -> None:
    """`@corp/…` read through to the registry at `url`, with its token."""
    api.configure(TARBOX_UPSTREAMS=f"@corp={url}", TARBOX_UPSTREAM_TOKENS="@corp=s3cret")


@contextmanager
def corp_registry(tarball: bytes, redirect: str | None = None) -> Iterator[str]:
    """An upstream holding one private package, `@corp/tool`, for the token `s3cret` only; its
    tarball there, or a redirect to `redirect`."""
    packument = {
        "name": "@corp/tool",
        "dist-tags": {"latest": "1.0.0"},
        "versions": {"1.0.0": {"name": "@corp/tool", "version": "1.0.0", "dist": {}}},
        "time": {"created": "2026-12-01T00:00:00.000Z", "1.0.0": "2026-12-01T00:00:00.000Z"},
    }

    class Upstream(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.headers.get("Authorization") != "Bearer s3cret":
                return self._send(401, b'{"error": "login"}')
            if self.path.lower() == "/@corp%2ftool":
                return self._send(200, json.dumps(packument).encode())
            if redirect is not None:
                self.send_response(302)
                self.send_header("Location", f"{redirect}{self.path}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            return self._send(200, tarball)

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serving(Upstream) as url:
        packument["versions"]["1.0.0"]["dist"] = {  # type: ignore[index]
            "tarball": f"{url}/@corp/tool/-/tool-1.0.0.tgz",
            "integrity": integrity_of(tarball),
        }
        yield url


def test_what_comes_with_a_token_is_never_kept_by_a_shared_cache(any_api: Api) -> None:
    tarball = a_tarball("@corp/tool", "1.0.0")
    with corp_registry(tarball) as url:
        through_corp(any_api, url)
        bob = any_api.add_user("bob")
        document = any_api.call("GET", "/@corp%2ftool", token=bob)
        assert document.status_code == 200, document.body
        assert document.headers["Cache-Control"].startswith("private")
        assert document.headers["X-Tarbox-Cache"] == "miss"
        dist = body_of(document)["versions"]["1.0.0"]["dist"]
        assert dist["tarball"] == "https://registry.example/@corp/tool/-/tool-1.0.0.tgz"
        fetched = any_api.call("GET", "/@corp/tool/-/tool-1.0.0.tgz", token=bob)
        assert fetched.status_code in (200, 302)
        assert fetched.headers["Cache-Control"].startswith(("private", "no-store"))


def test_tarbox_cache_lists_and_purges_what_is_kept(
    any_api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    with corp_registry(a_tarball("@corp/tool", "1.0.0")) as url:
        through_corp(any_api, url)
        bob = any_api.add_user("bob")
        assert any_api.call("GET", "/@corp%2ftool", token=bob).status_code == 200
        fetched = any_api.call("GET", "/@corp/tool/-/tool-1.0.0.tgz", token=bob)
        assert fetched.status_code in (200, 302)

        assert any_api.tarbox("cache", "ls") == 0
        listed = capsys.readouterr().out.splitlines()
        assert listed[0].startswith("@corp/tool\tfetched 20") and listed[0].endswith("1 tarballs")
        assert listed[-1] == "1 packages kept from upstreams"

        assert any_api.tarbox("cache", "purge", "@corp/tool") == 0
        assert capsys.readouterr().out.strip() == "purged 1 packages"
        assert not list(wiring.registry().blobs.list_blobs("upstream/"))
        assert any_api.tarbox("cache", "purge", "@corp/tool") == 1  # nothing kept
        # Fetched afresh on its next request.
        again = any_api.call("GET", "/@corp%2ftool", token=bob)
        assert again.status_code == 200 and again.headers["X-Tarbox-Cache"] == "miss"


def test_status_counts_how_the_cache_answered(any_api: Api) -> None:
    with standin_registry() as upstream:
        upstream.publish("counted-lib", "1.0.0")
        any_api.configure(TARBOX_UPSTREAMS=f"*={upstream.url},@gone=http://127.0.0.1:1")
        assert any_api.call("GET", "/counted-lib").headers["X-Tarbox-Cache"] == "miss"
        assert any_api.call("GET", "/counted-lib").headers["X-Tarbox-Cache"] == "hit"
        tarball = "/counted-lib/-/counted-lib-1.0.0.tgz"
        assert any_api.call("GET", tarball).status_code in (200, 302)  # fetched: a miss
        assert any_api.call("GET", tarball).status_code in (200, 302)  # kept: a hit
        assert any_api.call("GET", "/@gone%2fthing").status_code == 502
        wiring.download_counter().flush()  # counted in memory, stored in batches
        status = body_of(any_api.call("GET", "/-/status"))
    counts = {k: v for k, v in status["upstream"].items() if k != "day"}
    assert counts == {"hit": 2, "miss": 2, "revalidated": 0, "stale": 0, "error": 1}
    assert status["upstream"]["day"] == time.strftime("%Y-%m-%d", time.gmtime())


def test_status_says_nothing_of_a_cache_that_is_not_there(any_api: Api) -> None:
    assert "upstream" not in body_of(any_api.call("GET", "/-/status"))


def test_the_token_is_never_sent_where_the_upstream_redirects(any_api: Api) -> None:
    tarball = a_tarball("@corp/tool", "1.0.0")
    seen: list[str | None] = []

    class Elsewhere(BaseHTTPRequestHandler):  # where the private registry keeps its tarballs
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization"))
            self.send_response(200)
            self.send_header("Content-Length", str(len(tarball)))
            self.end_headers()
            self.wfile.write(tarball)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serving(Elsewhere) as elsewhere, corp_registry(tarball, redirect=elsewhere) as url:
        through_corp(any_api, url)
        bob = any_api.add_user("bob")
        assert any_api.call("GET", "/@corp%2ftool", token=bob).status_code == 200
        fetched = any_api.call("GET", "/@corp/tool/-/tool-1.0.0.tgz", token=bob)
        assert fetched.status_code in (200, 302)
    assert seen == [None]
