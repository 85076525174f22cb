"""The authentication attacks of issue 13 against `tarbox serve` (embedded backend), over HTTP:
the figures for this checkout, or (--checkout DIR) for another one, such as a `git worktree` of
c048b7b (the last commit before the throttle counted attempts by address, before the hash).
Numbers only; tests/api/test_login_throttle.py is what holds the line.

Addresses are told to the server the way the front door tells them (X-Forwarded-For with the
origin secret), so one machine can play many.

Run: `.venv/bin/python bench/auth_attacks.py [--checkout DIR]`.
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.reads import Client, free_port, terminate, wait_until_up  # noqa: E402
from bench.write_contention import serve  # noqa: E402

SECRET = "bench-edge-secret"
PASSWORD = "correct horse battery staple"


def login(client: Client, name: str, password: str, address: str) -> int:
    body = json.dumps({"name": name, "password": password}).encode()
    return request(client, "PUT", f"/-/user/org.couchdb.user:{name}", body, address)


def request(
    client: Client, method: str, path: str, body: bytes | None, address: str, auth: str = ""
) -> int:
    conn = client._connection(fresh=True)  # one connection each: the attacks run in parallel
    headers = {"x-tarbox-edge": SECRET, "x-forwarded-for": address}
    if body is not None:
        headers["content-type"] = "application/json"
    if auth:
        headers["authorization"] = auth
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


def unknown_names_flood(client: Client, count: int) -> str:
    """Basic auth with names that have no account, from one address, while a bystander pings."""
    done = threading.Event()
    pings: list[float] = []

    def bystander() -> None:
        while not done.is_set():
            start = time.monotonic()
            request(client, "GET", "/-/ping", None, "198.51.100.200")
            pings.append(time.monotonic() - start)
            time.sleep(0.05)

    def guess(i: int) -> int:
        auth = "Basic " + base64.b64encode(f"nobody{i}:guess".encode()).decode()
        return request(client, "GET", "/-/whoami", None, "203.0.113.66", auth)

    watcher = threading.Thread(target=bystander)
    watcher.start()
    started = time.monotonic()
    with ThreadPoolExecutor(32) as pool:
        statuses = Counter(pool.map(guess, range(count)))
    elapsed = time.monotonic() - started
    done.set()
    watcher.join()
    return (
        f"{count} unknown names: {dict(sorted(statuses.items()))} in {elapsed:.1f} s; "
        f"a bystander's /-/ping meanwhile: median {statistics.median(pings) * 1000:.0f} ms, "
        f"max {max(pings) * 1000:.0f} ms"
    )


def lock_out(client: Client) -> str:
    """120 wrong passwords for the owner's account from 12 addresses, then the owner, at home."""
    statuses = Counter(
        login(client, "owner", "guess", f"203.0.113.{machine}")
        for machine in range(12)
        for _ in range(10)
    )
    owner = login(client, "owner", PASSWORD, "198.51.100.7")
    return f"120 wrong passwords from 12 addresses: {dict(statuses)}; the owner then: {owner}"


def parallel_guesses(client: Client) -> str:
    """60 guesses at once from one address, at an account that has a limit of 10."""
    with ThreadPoolExecutor(60) as pool:
        statuses = Counter(
            pool.map(lambda _: login(client, "victim", "guess", "203.0.113.99"), range(60))
        )
    return f"60 parallel guesses: {dict(sorted(statuses.items()))} (401: checked against the hash)"


def unknown_versus_wrong(client: Client) -> str:
    unknown = login(client, "no-such-user", "guess", "203.0.113.150")
    wrong = login(client, "owner", "guess", "203.0.113.151")
    return f"legacy login, unknown name: {unknown}; wrong password: {wrong}"


def add_user(client: Client, name: str) -> None:
    body = json.dumps({"name": name, "password": PASSWORD, "email": f"{name}@example.com"})
    status = request(client, "PUT", f"/-/user/org.couchdb.user:{name}", body.encode(), "192.0.2.1")
    assert status == 201, status


def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="tarbox-auth-") as tmp:
        port = free_port()
        log = Path(tmp) / "tarbox.log"
        env = {"TARBOX_EDGE_SECRET": SECRET}
        process = serve(args.checkout.resolve(), Path(tmp) / "data", port, log, 8, env)
        try:
            client = Client(port)
            wait_until_up(client, process, log)
            for name in ("owner", "victim"):
                add_user(client, name)
            print(f"checkout: {args.checkout}")
            print(unknown_versus_wrong(client))
            print(lock_out(client))
            print(parallel_guesses(client))
            print(unknown_names_flood(client, args.flood))
        finally:
            terminate(process)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkout", type=Path, default=ROOT)
    parser.add_argument("--flood", type=int, default=300, help="requests with unknown names")
    return parser.parse_args(argv)


if __name__ == "__main__":
    run(parse_args(None))
