"""Writers of one package at once, over HTTP against `tarbox serve` (embedded backend): how many
publishes are refused (409 after losing every compare-and-swap race), and how long they take.
Numbers only; tests/api/test_write_turns.py is what holds the line.

Publishers put new versions of one package while taggers move a dist-tag of it without pause.
Each publish reads every version, so it is the slow writer the taggers keep beating.

Run: `.venv/bin/python bench/write_contention.py [--checkout DIR]`; DIR is another checkout of
tarbox (a `git worktree` of an older commit) to measure instead of this one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.reads import Client, add_user, free_port, terminate, wait_until_up  # noqa: E402
from tests.builders import a_publish_body  # noqa: E402

NAME = "contended"


def serve(
    checkout: Path,
    data: Path,
    port: int,
    log: Path,
    threads: int,
    extra: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """`tarbox serve` from `checkout` (its code, whatever the virtualenv holds)."""
    env = {**os.environ, "TARBOX_BACKEND": "embedded", "PYTHONPATH": str(checkout), **(extra or {})}
    env.pop("TARBOX_PUBLIC_URL", None)
    command = [sys.executable, "-m", "chalicelib.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--data-dir", str(data), "--threads", str(threads)]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=checkout, env=env, stdout=out, stderr=out)


def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="tarbox-contention-") as tmp:
        port = free_port()
        log = Path(tmp) / "tarbox.log"
        process = serve(args.checkout.resolve(), Path(tmp) / "data", port, log, args.threads)
        try:
            client = Client(port)
            wait_until_up(client, process, log)
            add_user(client)
            measure(client, args)
        finally:
            terminate(process)
            errors = [line for line in log.read_text().splitlines() if '"status":5' in line]
            print("\n".join(["server errors:", *errors[:5]]) if errors else "no server errors")


def measure(client: Client, args: argparse.Namespace) -> None:
    first = json.dumps(a_publish_body(NAME, "0.0.0")).encode()
    assert client.request("PUT", f"/{NAME}", first)[0] == 201
    done = threading.Event()
    tags = Counter[int]()

    def tagger(n: int) -> None:
        body = json.dumps("0.0.0").encode()
        while not done.is_set():
            status, _, _ = client.request("PUT", f"/-/package/{NAME}/dist-tags/t{n}", body)
            tags[status] += 1

    def publish(i: int) -> tuple[int, float]:
        body = json.dumps(a_publish_body(NAME, f"1.{i}.0")).encode()
        start = time.monotonic()
        status, _, _ = client.request("PUT", f"/{NAME}", body)
        return status, time.monotonic() - start

    taggers = [threading.Thread(target=tagger, args=(n,)) for n in range(args.taggers)]
    for thread in taggers:
        thread.start()
    started = time.monotonic()
    with ThreadPoolExecutor(args.publishers) as pool:
        results = list(pool.map(publish, range(args.publishes)))
    elapsed = time.monotonic() - started
    done.set()
    for thread in taggers:
        thread.join()
    statuses = Counter(status for status, _ in results)
    times = sorted(seconds for _, seconds in results)
    print(f"checkout: {args.checkout}")
    print(
        f"{args.publishes} publishes by {args.publishers} publishers, {args.taggers} taggers, "
        f"{args.threads} server threads per worker"
    )
    print(f"publish statuses: {dict(sorted(statuses.items()))}; tag statuses: {dict(tags)}")
    print(
        f"publish seconds: p50 {times[len(times) // 2]:.3f}, "
        f"p99 {times[int(len(times) * 0.99)]:.3f}, max {times[-1]:.3f}; "
        f"wall {elapsed:.1f} s"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkout", type=Path, default=ROOT)
    parser.add_argument("--publishes", type=int, default=600)
    parser.add_argument("--publishers", type=int, default=8)
    parser.add_argument("--taggers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8, help="the server's, per worker")
    return parser.parse_args(argv)


if __name__ == "__main__":
    run(parse_args(None))
