"""Where a hook may send, on AWS (issue 13): an IPv6 address that carries a private IPv4 address
is refused like it, and an attempt connects to the address that was checked, never to what a
second lookup of the name answers."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from chalicelib.errors import InvalidPayloadError
from chalicelib.hooks import deliver, endpoints
from chalicelib.hooks.endpoints import check_endpoint
from chalicelib.settings import Settings
from chalicelib.storage.records import DeliveryRecord, HookRecord


@pytest.mark.parametrize(
    "host",
    [
        "[::ffff:10.0.0.7]",  # IPv4-mapped
        "[::a00:7]",  # IPv4-compatible ::10.0.0.7
        "[64:ff9b::a9fe:a9fe]",  # NAT64: the instance metadata service, 169.254.169.254
        "[64:ff9b:1::a9fe:a9fe]",  # local-use NAT64
        "[2002:a9fe:a9fe::1]",  # 6to4 of 169.254.169.254
        "[2002:7f00:1::1]",  # 6to4 of 127.0.0.1
        "[2001:0:102:304:0:0:f5ff:fff8]",  # Teredo: server 1.2.3.4, client 10.0.0.7
    ],
)
def test_ipv6_forms_of_private_addresses_are_refused(host: str) -> None:
    with pytest.raises(InvalidPayloadError, match="private or reserved address"):
        check_endpoint(f"http://{host}/hook", allow_private=False)


@pytest.mark.parametrize(
    "host", ["93.184.215.14", "[64:ff9b::5db8:d70e]", "[2002:5db8:d70e::1]", "[2606:4700::1111]"]
)
def test_public_hosts_pass_and_name_the_address_to_use(host: str) -> None:
    assert check_endpoint(f"https://{host}/hook", allow_private=False) == host.strip("[]")


@pytest.fixture
def receiver() -> Iterator[tuple[int, list[str]]]:
    heard: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            heard.append(str(self.headers["Host"]))
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], heard
    server.shutdown()


def test_an_attempt_connects_to_the_checked_address(receiver: tuple[int, list[str]]) -> None:
    # `.invalid` never resolves: the request can only arrive through the address it was given,
    # and it still names its host.
    port, heard = receiver
    url = f"http://hooks.invalid:{port}/in"
    assert deliver.send_http(url, b"{}", {"content-type": "application/json"}, "127.0.0.1") == 204
    assert heard == [f"hooks.invalid:{port}"]


def test_the_delivery_sends_to_the_address_its_check_resolved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    looked_up = iter([["93.184.215.14"], ["10.0.0.7"]])  # a name that answers differently later
    monkeypatch.setattr(endpoints, "_addresses", lambda host, port: next(looked_up))
    settings = replace(Settings.from_env({}), hook_private_endpoints=False)
    hook = HookRecord("h", "alice", "package", "foo", "https://hooks.example/in", "s", "", "")
    attempt = DeliveryRecord("h:000000000001:0", "h", "package:change", "{}", "pending", 0, 0.0, "")
    used: list[str | None] = []

    def send(url: str, body: bytes, headers: dict[str, str], address: str | None) -> int:
        used.append(address)
        return 204

    assert deliver._post(settings, hook, attempt, send) == (204, None)
    assert used == ["93.184.215.14"]
