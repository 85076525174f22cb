"""Read benchmark for tarbox: numbers only, no pass/fail.

Starts its own `tarbox serve` (embedded backend, temporary data dir) on a free 127.0.0.1 port,
creates a user and publishes packages through the real HTTP API (npm-shaped PUT bodies), then
drives the read routes with `wrk` and prints requests per second, latency, response size and the
server's CPU time per request (from /proc/<pid>/stat). See bench/README.md.

Run: `make bench`, or `.venv/bin/python bench/reads.py --help` for the knobs.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # the only address this script ever sends traffic to
CATALOG = ROOT.parent / "shared" / "data" / "npm-packages.tsv.gz"
USER = "benchuser"
PRIVATE = f"@{USER}/private-lib"
PASSWORD = "correct horse battery staple"
FULL_ACCEPT = "application/json"
# What npm 11 sends when it installs (npm-registry-fetch, `corgiDoc`).
CORGI_ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"
NPM_USER_AGENT = "npm/11.19.1 node/v20.20.2 linux x64 workspaces/false"
VALID_NAME = re.compile(r"^[a-z][a-z0-9-]{1,40}$")
WORDS = ("parse", "value", "options", "buffer", "stream", "token", "cache", "config", "result")


# --------------------------------------------------------------------------------------------
# What to load


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    description: str


@dataclass(frozen=True)
class Spec:
    """One package to publish: every version gets a manifest built from these fields."""

    name: str
    description: str
    versions: tuple[str, ...]
    dependencies: tuple[str, ...]
    extra_files: int = 0  # generated source files in the tarball (the tarball benchmark's size)


@dataclass(frozen=True)
class Plan:
    small: Spec
    big: Spec
    scoped: Spec
    others: tuple[Spec, ...]

    def all_specs(self) -> tuple[Spec, ...]:
        return (*self.others, self.small, self.scoped, self.big)

    def publish_count(self) -> int:
        return sum(len(spec.versions) for spec in self.all_specs())


def read_catalog(path: Path, wanted: int) -> list[CatalogEntry]:
    """The most downloaded names with a description (plain lowercase names only)."""
    if not path.is_file():
        print(f"note: {path} not found; using made-up names and descriptions", file=sys.stderr)
        return [
            CatalogEntry(f"bench-pkg-{i}", f"Benchmark package number {i}") for i in range(wanted)
        ]
    rows: list[tuple[int, CatalogEntry]] = []
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
        next(handle)  # header: name version downloads_a_month description
        for line in handle:
            parts = line.rstrip("\n").split("\t", 3)
            if len(parts) < 4 or not VALID_NAME.match(parts[0]) or not parts[3].strip():
                continue
            downloads = int(parts[2]) if parts[2].isdigit() else 0
            rows.append((downloads, CatalogEntry(parts[0], parts[3].strip()[:300])))
    rows.sort(key=lambda row: -row[0])
    return [entry for _, entry in rows[:wanted]]


def version_line(count: int) -> tuple[str, ...]:
    """`count` ascending versions: 0.0.0, 0.0.1 … 0.0.19, 0.1.0 … (20 patches, 20 minors)."""
    return tuple(f"{i // 400}.{(i // 20) % 20}.{i % 20}" for i in range(count))


def make_plan(catalog: Path, big_versions: int, others: int) -> Plan:
    entries = read_catalog(catalog, others + 3)
    if len(entries) < others + 3:
        raise SystemExit(f"the catalog has only {len(entries)} usable names")
    big_entry, small_entry, scoped_entry, *rest = entries
    rng = random.Random(42)
    other_specs = []
    for i, entry in enumerate(rest):
        # Each may depend on up to three packages published before it.
        deps = tuple(rng.sample([e.name for e in rest[:i]], min(i, rng.randint(0, 3))))
        versions = ("1.0.0", "1.0.1", "1.1.0")[: rng.randint(1, 3)]
        other_specs.append(Spec(entry.name, entry.description, versions, deps))
    dep_pool = [spec.name for spec in other_specs]
    return Plan(
        small=Spec(small_entry.name, small_entry.description, ("1.0.0",), (), extra_files=12),
        big=Spec(
            big_entry.name,
            big_entry.description,
            version_line(big_versions),
            tuple(rng.sample(dep_pool, min(8, len(dep_pool)))),
        ),
        scoped=Spec(
            f"@{USER}/{scoped_entry.name}",
            scoped_entry.description,
            ("1.0.0", "1.1.0", "2.0.0"),
            tuple(dep_pool[:2]),
        ),
        others=tuple(other_specs),
    )


# --------------------------------------------------------------------------------------------
# Publish bodies (the shape comes from tests/builders.py, as npm 11 sends it)


def source_file(rng: random.Random, lines: int) -> bytes:
    out = []
    for n in range(lines):
        a, b, c = rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS)
        out.append(f"export function {a}{n}({b}, {c}) {{ return {b}.{c} ?? {n}; }}")
    return ("\n".join(out) + "\n").encode()


def manifest_for(spec: Spec, version: str) -> dict[str, Any]:
    slug = spec.name.lstrip("@").replace("/", "-")
    # The dependency set shifts with the version, as it does in long-lived packages.
    index = sum(int(part) for part in version.split("."))
    deps = spec.dependencies[index % 3 :] if len(spec.dependencies) > 3 else spec.dependencies
    return {
        "description": spec.description,
        "main": "index.js",
        "types": "index.d.ts",
        "keywords": [w.lower() for w in re.findall(r"[A-Za-z]{4,}", spec.description)[:6]],
        "license": "MIT",
        "author": {"name": "Bench Author", "email": "bench@example.com"},
        "repository": {"type": "git", "url": f"git+https://example.com/bench/{slug}.git"},
        "homepage": f"https://example.com/bench/{slug}#readme",
        "bugs": {"url": f"https://example.com/bench/{slug}/issues"},
        "engines": {"node": ">=18"},
        "files": ["index.js", "index.d.ts", "lib"],
        "scripts": {"test": "node --test", "build": "tsc -p ."},
        "dependencies": {name: "^1.0.0" for name in deps},
        "devDependencies": {"typescript": "^5.4.5", "@types/node": "^20.12.7"},
    }


def publish_body(spec: Spec, version: str) -> bytes:
    from tests.builders import a_publish_body, a_tarball

    manifest = manifest_for(spec, version)
    rng = random.Random(f"{spec.name}@{version}")
    files = {
        "index.js": source_file(rng, 20),
        "index.d.ts": b"export declare function parse(input: string): unknown;\n",
        "README.md": readme(spec).encode(),
        **{f"lib/{n}.js": source_file(rng, 80) for n in range(spec.extra_files)},
    }
    tarball = a_tarball(spec.name, version, manifest=manifest, files=files)
    body = a_publish_body(spec.name, version, tarball=tarball, manifest=manifest)
    body["description"] = spec.description
    body["versions"][version]["readme"] = readme(spec)
    return json.dumps(body).encode()


def readme(spec: Spec) -> str:
    usage = f"```js\nimport {{ parse }} from '{spec.name}';\nparse('1.2.3');\n```\n"
    return f"# {spec.name}\n\n{spec.description}\n\n## Install\n\n    npm i {spec.name}\n\n" + (
        "## Usage\n\n" + usage * 10
    )


# --------------------------------------------------------------------------------------------
# HTTP to the local server (keep-alive, one connection per loader thread)


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.token = ""
        self._local = threading.local()

    def _connection(self, fresh: bool = False) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
            self._local.conn = conn
        return conn

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        accept: str = FULL_ACCEPT,
        *,
        token: bool = True,
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"Accept": accept, "User-Agent": NPM_USER_AGENT}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.token and token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in range(2):
            conn = self._connection(fresh=attempt > 0)
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, data
            except (http.client.HTTPException, ConnectionError) as exc:
                last = exc
        raise RuntimeError(f"{method} {path}: {last}")


def publish_private(client: Client, server: Server) -> None:
    """A private package of the bench user's scope: the operator grants the plan (`tarbox plan
    set`, on the server's embedded data), then one version is published restricted."""
    data_dir = server.log.parent / "data"
    command = [*tarbox_command(), "plan", "set", USER, "active", "--data-dir", str(data_dir)]
    subprocess.run(command, check=True, capture_output=True)
    from tests.builders import a_publish_body

    body = json.dumps(a_publish_body(PRIVATE, access="restricted")).encode()
    status, _, data = client.request("PUT", package_path(PRIVATE), body)
    if status != 201:
        raise SystemExit(f"publishing the private package: {status} {data[:300]!r}")


def package_path(name: str) -> str:
    return "/" + quote(name, safe="@").replace("/", "%2f")


def add_user(client: Client) -> None:
    body = json.dumps({"name": USER, "password": PASSWORD, "email": f"{USER}@example.com"})
    status, _, data = client.request("PUT", f"/-/user/org.couchdb.user:{USER}", body=body.encode())
    if status not in (200, 201):
        raise SystemExit(f"creating the user failed: {status} {data[:300]!r}")
    client.token = str(json.loads(data)["token"])


def publish(client: Client, spec: Spec, version: str) -> int:
    status, _, data = client.request("PUT", package_path(spec.name), publish_body(spec, version))
    if status >= 500 or status in (401, 403):
        raise RuntimeError(f"publishing {spec.name}@{version}: {status} {data[:300]!r}")
    return status


# --------------------------------------------------------------------------------------------
# Loading


@dataclass
class LoadReport:
    seconds: float
    published: int
    refused: list[str]


def load(client: Client, plan: Plan, jobs: int) -> LoadReport:
    started = time.perf_counter()
    refused: list[str] = []
    done = 0
    with ThreadPoolExecutor(jobs) as pool:

        def run_all(pairs: Sequence[tuple[Spec, str]], label: str) -> None:
            nonlocal done
            step = len(pairs) if len(pairs) < 100 else len(pairs) // 10
            for n, ((spec, version), status) in enumerate(
                zip(pairs, pool.map(lambda p: publish(client, *p), pairs), strict=True), 1
            ):
                if status >= 400:
                    refused.append(f"{spec.name}@{version} ({status})")
                else:
                    done += 1
                if n % step == 0 or n == len(pairs):
                    elapsed = time.perf_counter() - started
                    print(f"  {label}: {n}/{len(pairs)}  ({elapsed:.0f}s)", file=sys.stderr)

        # Dependencies first (in order: each depends only on earlier ones), then the rest.
        for version_index in range(3):
            run_all(
                [
                    (s, s.versions[version_index])
                    for s in plan.others
                    if len(s.versions) > version_index
                ],
                f"other packages, version #{version_index + 1}",
            )
        run_all([(plan.small, v) for v in plan.small.versions], "small package")
        run_all([(plan.scoped, v) for v in plan.scoped.versions], "scoped package")
        big = [(plan.big, v) for v in plan.big.versions]
        print(
            f"  {plan.big.name}: every publish re-renders the whole packument, so loading "
            f"{len(big)} versions is quadratic: minutes (--versions makes it shorter)",
            file=sys.stderr,
        )
        run_all(big[:-1], f"{plan.big.name} (parallel, {jobs} at a time)")
        run_all(big[-1:], f"{plan.big.name} (the highest version last, so it is `latest`)")
    return LoadReport(time.perf_counter() - started, done, refused)


# --------------------------------------------------------------------------------------------
# Measuring with wrk


@dataclass(frozen=True)
class Target:
    label: str
    path: str
    accept: str
    size: int = 0  # response body bytes, measured before the run
    token: str = ""  # sent as npm sends it when logged in (Authorization: Bearer)
    headers: tuple[tuple[str, str], ...] = ()  # more request headers (bench/compare.py)


@dataclass(frozen=True)
class WrkSettings:
    threads: int
    connections: tuple[int, ...]  # one measured run per entry
    duration: int
    warmup: int


@dataclass(frozen=True)
class WrkRun:
    threads: int
    connections: int
    duration: int


@dataclass(frozen=True)
class Row:
    target: Target
    connections: int
    requests: int
    seconds: float
    mean_ms: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    bytes_read: int
    errors: int
    cpu_seconds: float


LUA = """\
wrk.method = "GET"
wrk.headers["Accept"] = "{accept}"
wrk.headers["User-Agent"] = "{user_agent}"
wrk.headers["npm-command"] = "install"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_JSON {{\\"requests\\": %.0f, \\"duration_us\\": %.0f, \\"bytes\\": %.0f, " ..
    "\\"errors\\": %.0f, \\"mean_us\\": %.1f, \\"p50_us\\": %.1f, \\"p99_us\\": %.1f, " ..
    "\\"max_us\\": %.1f}}\\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def server_cpu_seconds(pid: int) -> float:
    """utime + stime of the server's processes (its supervisor and the worker processes that
    answer), from /proc/<pid>/stat (fields 14 and 15)."""
    ticks = 0
    for member in process_tree(pid):
        try:
            stat = Path(f"/proc/{member}/stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants (from /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def run_wrk(wrk: str, port: int, target: Target, run: WrkRun, script: Path) -> dict[str, float]:
    lua = LUA.format(accept=target.accept, user_agent=NPM_USER_AGENT)
    if target.token:
        lua = f'wrk.headers["Authorization"] = "Bearer {target.token}"\n' + lua
    for name, value in target.headers:
        lua = f'wrk.headers["{name}"] = "{value}"\n' + lua
    script.write_text(lua)
    command = [
        wrk,
        f"-t{run.threads}",
        f"-c{run.connections}",
        f"-d{run.duration}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://{HOST}:{port}{target.path}",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in completed.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            return dict(json.loads(line.removeprefix("WRK_JSON ")))
    raise RuntimeError(f"wrk gave no summary:\n{completed.stdout}\n{completed.stderr}")


def measure(wrk: str, port: int, pid: int, target: Target, settings: WrkSettings) -> list[Row]:
    """One warm-up, then one measured run per connection count."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="tarbox-wrk-") as tmp:
        script = Path(tmp) / "request.lua"
        if settings.warmup:
            warm = WrkRun(settings.threads, max(settings.connections), settings.warmup)
            run_wrk(wrk, port, target, warm, script)
        for connections in settings.connections:
            threads = min(settings.threads, connections)
            cpu_before = server_cpu_seconds(pid)
            result = run_wrk(
                wrk, port, target, WrkRun(threads, connections, settings.duration), script
            )
            cpu = server_cpu_seconds(pid) - cpu_before
            rows.append(row_of(target, connections, result, cpu))
    return rows


def row_of(target: Target, connections: int, result: dict[str, float], cpu: float) -> Row:
    return Row(
        target=target,
        connections=connections,
        requests=int(result["requests"]),
        seconds=result["duration_us"] / 1e6,
        mean_ms=result["mean_us"] / 1000,
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        max_ms=result["max_us"] / 1000,
        bytes_read=int(result["bytes"]),
        errors=int(result["errors"]),
        cpu_seconds=cpu,
    )


# --------------------------------------------------------------------------------------------
# Targets: probed once with a plain GET (status, content type, body size, the tarball URL)


def probe(
    client: Client, label: str, path: str, accept: str, *, token: bool = False
) -> tuple[Target, bytes]:
    """One GET, anonymous unless `token` (wrk then sends the same)."""
    status, headers, body = client.request("GET", path, accept=accept, token=token)
    if status != 200:
        raise SystemExit(f"GET {path} ({label}): {status} {body[:300]!r}")
    print(f"  {label}: GET {path} -> {status} {headers.get('content-type')}, {len(body):,} B")
    return Target(label, path, accept, len(body), client.token if token else ""), body


def targets(client: Client, plan: Plan) -> list[Target]:
    small, big = package_path(plan.small.name), package_path(plan.big.name)
    found = [
        probe(client, "/-/ping (baseline: no storage)", "/-/ping", FULL_ACCEPT),
        probe(client, "full packument, 1 version", small, FULL_ACCEPT),
        probe(client, f"full packument, {len(plan.big.versions)} versions", big, FULL_ACCEPT),
        probe(client, "abbreviated packument, 1 version", small, CORGI_ACCEPT),
        probe(client, f"abbrev. packument, {len(plan.big.versions)} versions", big, CORGI_ACCEPT),
        probe(client, "abbrev. packument, scoped", package_path(plan.scoped.name), CORGI_ACCEPT),
        probe(
            client,
            "abbrev. scoped, with a token",
            package_path(plan.scoped.name),
            CORGI_ACCEPT,
            token=True,
        ),
        probe(client, "abbrev. private, member", package_path(PRIVATE), CORGI_ACCEPT, token=True),
    ]
    big_doc = json.loads(found[4][1])
    print(
        f"  {plan.big.name}: {len(big_doc['versions'])} versions, "
        f"latest {big_doc['dist-tags']['latest']}"
    )
    small_doc = json.loads(found[3][1])
    tarball_url = small_doc["versions"][small_doc["dist-tags"]["latest"]]["dist"]["tarball"]
    tarball_path = urlsplit(tarball_url).path  # always sent to 127.0.0.1, whatever the host
    tarball, _ = probe(client, "tarball (1 version package)", tarball_path, "*/*")
    return [target for target, _ in found] + [tarball]


# --------------------------------------------------------------------------------------------
# The server


@dataclass(frozen=True)
class Server:
    port: int
    pid: int
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def tarbox_command() -> list[str]:
    tarbox = Path(sys.executable).with_name("tarbox")
    return [str(tarbox)] if tarbox.is_file() else [sys.executable, "-m", "chalicelib.cli"]


def server_command(port: int, data_dir: Path) -> list[str]:
    serve = ["serve", "--host", HOST, "--port", str(port), "--data-dir", str(data_dir)]
    return [*tarbox_command(), *serve]


def wait_until_up(client: Client, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"tarbox serve exited early:\n{log.read_text()}")
        try:
            if client.request("GET", "/-/ping")[0] == 200:
                return
        except (RuntimeError, OSError):
            pass
        time.sleep(0.1)
    raise SystemExit(f"tarbox serve did not come up:\n{log.read_text()}")


@contextmanager
def tarbox_server(workdir: Path) -> Iterator[Server]:
    port = free_port()
    log = workdir / "tarbox.log"
    env = {**os.environ, "TARBOX_BACKEND": "embedded"}
    env.pop("TARBOX_PUBLIC_URL", None)  # dist.tarball must point back at this server
    with log.open("wb") as out:
        process = subprocess.Popen(
            server_command(port, workdir / "data"),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(Client(port), process, log)
        yield Server(port, process.pid, log)
    finally:
        terminate(process)


def terminate(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it has not exited within 10 s."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --------------------------------------------------------------------------------------------
# Output


COLUMNS = (  # (heading, width); the first column is left-aligned
    ("target", 36),
    ("conns", 5),
    ("req/s", 7),
    ("avg ms", 7),
    ("p50 ms", 7),
    ("p99 ms", 7),
    ("max ms", 7),
    ("body", 10),
    ("MB/s", 6),
    ("srv CPU/req", 11),
    ("srv CPU", 7),
    ("errors", 6),
)


def cells(row: Row) -> list[str]:
    per_request_ms = row.cpu_seconds / max(row.requests, 1) * 1000
    return [
        row.target.label,
        str(row.connections),
        f"{row.requests / row.seconds:.0f}",
        f"{row.mean_ms:.2f}",
        f"{row.p50_ms:.2f}",
        f"{row.p99_ms:.2f}",
        f"{row.max_ms:.1f}",
        human_bytes(row.target.size),
        f"{row.bytes_read / row.seconds / 1e6:.1f}",
        f"{per_request_ms:.3f} ms",
        f"{row.cpu_seconds / row.seconds:.0%}",
        str(row.errors),
    ]


def table(rows: list[Row]) -> str:
    def line(values: list[str]) -> str:
        first, *rest = zip(values, COLUMNS, strict=True)
        return " ".join([first[0].ljust(first[1][1])] + [v.rjust(w) for v, (_, w) in rest])

    head = line([heading for heading, _ in COLUMNS])
    return "\n".join([head, "-" * len(head), *(line(cells(row)) for row in rows)])


def human_bytes(size: int) -> str:
    if size < 10_000:
        return f"{size:,} B"
    if size < 10_000_000:
        return f"{size / 1000:,.1f} kB"
    return f"{size / 1e6:,.2f} MB"


# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--versions", type=int, default=2000, help="versions of the big package")
    parser.add_argument("--others", type=int, default=50, help="other small packages")
    parser.add_argument("--jobs", type=int, default=4, help="parallel publishes while loading")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (at most)")
    parser.add_argument(
        "--connections",
        type=connection_counts,
        default=(1, 8),
        help="wrk -c: one measured run per count, comma-separated (default 1,8)",
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of unmeasured warm-up")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep the data dir and server log in DIR"
    )
    parser.add_argument("--catalog", type=Path, default=CATALOG, help="names and descriptions")
    return parser.parse_args(argv)


def connection_counts(text: str) -> tuple[int, ...]:
    counts = tuple(int(part) for part in text.split(",") if part.strip())
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("give positive counts, e.g. 1,8")
    return counts


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))  # for tests.builders, the npm-shaped publish bodies
    wrk = shutil.which("wrk")
    if wrk is None:
        print(
            "bench/reads.py needs wrk (the HTTP load tool), which is not installed.\n"
            "On Debian/Ubuntu: apt-get update && apt-get install -y wrk",
            file=sys.stderr,
        )
        return 2
    if not Path("/proc/self/stat").is_file():
        print("bench/reads.py reads server CPU time from /proc (Linux only)", file=sys.stderr)
        return 2
    plan = make_plan(args.catalog, args.versions, args.others)
    settings = WrkSettings(args.threads, args.connections, args.duration, args.warmup)
    with workdir(args.keep) as where, tarbox_server(where) as server:
        return run(wrk, server, plan, settings, args.jobs)


@contextmanager
def workdir(keep: Path | None) -> Iterator[Path]:
    """A temporary directory for the server's data and log, or `keep` (left in place)."""
    if keep is not None:
        if keep.exists() and any(keep.iterdir()):
            raise SystemExit(f"--keep {keep}: the directory must be new or empty")
        keep.mkdir(parents=True, exist_ok=True)
        print(f"data and server log kept in {keep}")
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="tarbox-bench-", ignore_cleanup_errors=True) as tmp:
        yield Path(tmp)


def run(wrk: str, server: Server, plan: Plan, settings: WrkSettings, jobs: int) -> int:
    client = Client(server.port)
    print(f"tarbox serve on http://{HOST}:{server.port} (pid {server.pid})")
    print(f"loading {plan.publish_count():,} versions of {len(plan.all_specs())} packages ...")
    add_user(client)
    report = load(client, plan, jobs)
    print(
        f"loaded {report.published:,} versions in {report.seconds:.1f}s "
        f"({report.published / report.seconds:.0f} publishes/s, {jobs} in parallel)"
    )
    for refused in report.refused:
        print(f"  refused: {refused}")
    publish_private(client, server)
    # The load leaves hundreds of MB of dirty pages (every rev's packuments); flush them now, so
    # the kernel's writeback does not run during the measurements.
    started = time.perf_counter()
    os.sync()
    print(f"synced the load's writes to disk in {time.perf_counter() - started:.1f}s")
    print("targets:")
    rows: list[Row] = []
    for target in targets(client, plan):
        rows.extend(measure(wrk, server.port, server.pid, target, settings))
    print()
    counts = ",".join(str(c) for c in settings.connections)
    print(
        f"wrk -t<={settings.threads} -c{{{counts}}} -d{settings.duration}s (keep-alive), "
        f"{settings.warmup}s warm-up each; {os.cpu_count()} CPUs shared by wrk and the server; "
        "srv CPU = server utime+stime per request and as a share of one core"
    )
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
