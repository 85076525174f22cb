"""npm hooks end to end, on both backends: hooks made with libnpmhook (npm's own client for the
hooks API; `npm hook` left the CLI in npm 11), publishes with the real npm, deliveries to a
receiver on 127.0.0.1 signed as npm signs them, retried after a failure, never delivered to
someone who may not read the package, and never holding up a publish."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.harness import (
    ROOT,
    Registry,
    Workspace,
    a_library,
    add_user,
    subscribe,
    unique,
)

SECRET = "hook secret"
LIBNPMHOOK = ROOT / "node_modules" / "libnpmhook"  # package.json pins it


class Receiver:
    """An endpoint for hooks: records each POST; /flaky fails its first one; /hang holds its
    first one until `release` is set."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.release = threading.Event()
        self.flaky_failed = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                status = 200
                if self.path == "/flaky" and not receiver.flaky_failed:
                    receiver.flaky_failed, status = True, 500
                if self.path == "/hang":
                    receiver.release.wait(60)
                receiver.seen.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                        "status": status,
                    }
                )
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, path: str, count: int = 1) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = [s for s in self.seen if s["path"] == path and s["status"] == 200]
            if len(found) >= count:
                return found
            time.sleep(0.2)
        raise AssertionError(f"no delivery to {path}: {self.seen}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.release.set()
    found.server.shutdown()


def libnpmhook(machine: Workspace, token: str, call: str) -> Any:
    """Call libnpmhook (hooks.add/ls/get/update/rm) as npm would, with the user's token."""
    opts = json.dumps(
        {"registry": machine.registry.url, f"{machine.registry.host_key}:_authToken": token}
    )
    script = (
        f"const hooks = require({json.dumps(str(LIBNPMHOOK))}); const opts = {opts};\n"
        f"{call}.then(r => console.log(JSON.stringify(r)))"
    )
    return json.loads(machine.run("node", "-e", script).ok().out)


def test_hooks_hear_of_publishes(tmp_path: Path, registry: Registry, receiver: Receiver) -> None:
    owner = unique("hooked")
    token = add_user(registry, owner)
    o = Workspace(tmp_path / "owner", registry, token=token)
    other = unique("listener")
    other_token = add_user(registry, other)
    listener = Workspace(tmp_path / "listener", registry, token=other_token)
    name = f"@{owner}/lib"
    o.run("npm", "publish", "--access", "public", cwd=a_library(o.root, name)).ok()

    pkg_hook = libnpmhook(
        o, token, f"hooks.add({json.dumps(name)}, '{receiver.url}/ok', {json.dumps(SECRET)}, opts)"
    )
    assert pkg_hook["type"] == "package" and pkg_hook["name"] == name and "secret" not in pkg_hook
    scope_hook = libnpmhook(o, token, f"hooks.add('@{owner}', '{receiver.url}/flaky', 'x', opts)")
    assert scope_hook["type"] == "scope"
    libnpmhook(o, token, f"hooks.add('~{owner}', '{receiver.url}/hang', 'x', opts)")
    theirs = libnpmhook(
        listener, other_token, f"hooks.add('~{owner}', '{receiver.url}/theirs', 'x', opts)"
    )
    assert theirs["type"] == "owner"
    listed = libnpmhook(o, token, "hooks.ls(opts)")
    assert len(listed) == 3

    # the /hang endpoint holds its first delivery until after this publish has returned: if a
    # publish waited for hooks, it would never return
    o.run("npm", "publish", "--access", "public", cwd=a_library(o.root, name, "2.0.0")).ok()
    receiver.release.set()

    delivered = receiver.wait_for("/ok")[-1]
    body = delivered["body"]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert delivered["headers"]["x-npm-signature"] == expected
    event = json.loads(body)
    assert event["event"] == "package:publish" and event["name"] == name
    assert event["change"]["version"] == "2.0.0"
    assert event["hookOwner"] == {"username": owner}
    assert set(event["payload"]["versions"]) == {"1.0.0", "2.0.0"}
    receiver.wait_for("/hang")
    receiver.wait_for("/theirs")

    # the scope hook's endpoint failed once, and was tried again
    receiver.wait_for("/flaky")
    log = requests.get(
        f"{registry.url}-/npm/v1/hooks/hook/{scope_hook['id']}/deliveries",
        headers={"authorization": f"Bearer {token}"},
        timeout=30,
    ).json()["objects"]
    publish_log = next(d for d in log if d["event"] == "package:publish")
    assert [a["status"] for a in publish_log["log"]] == [500, 200]
    assert libnpmhook(o, token, f"hooks.find('{scope_hook['id']}', opts)")["delivered"] is True

    # a private package: the owner's hooks hear of it, the listener's owner hook does not
    subscribe(registry, owner)
    secret_name = f"@{owner}/secret"
    o.run("npm", "publish", cwd=a_library(o.root, secret_name)).ok()
    receiver.wait_for("/flaky", 2)  # dispatched: every hook's delivery of it exists by now
    theirs_log = requests.get(
        f"{registry.url}-/npm/v1/hooks/hook/{theirs['id']}/deliveries",
        headers={"authorization": f"Bearer {other_token}"},
        timeout=30,
    ).json()["objects"]
    assert {d["name"] for d in theirs_log} == {name}
    assert all(
        json.loads(s["body"])["name"] != secret_name
        for s in receiver.seen
        if s["path"] == "/theirs"
    )

    # update and remove, as libnpmhook does them
    moved = libnpmhook(
        o, token, f"hooks.update('{pkg_hook['id']}', '{receiver.url}/moved', 's2', opts)"
    )
    assert moved["endpoint"] == f"{receiver.url}/moved"
    libnpmhook(o, token, f"hooks.rm('{pkg_hook['id']}', opts)")
    assert len(libnpmhook(o, token, "hooks.ls(opts)")) == 2
