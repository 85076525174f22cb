"""Side-by-side read benchmark: tarbox, Verdaccio 6.8.0 and nginx, in one run; numbers only.

Starts a local `tarbox serve` (embedded backend) and a Verdaccio 6.8.0 (installed with npm into
bench/.verdaccio/ the first time, no uplinks), each on a free 127.0.0.1 port with a temporary
data directory, and publishes the same packages to both through their HTTP APIs, with the npm
PUT bodies bench/reads.py uses. Then it copies tarbox's answers into an nginx root (with gzip -6
copies for `gzip_static`), starts nginx on them, and drives the same reads against all three
with `wrk`: requests per second, p99 latency, body sizes, and the servers' memory (RSS of each
whole process tree, from /proc). See bench/README.md ("Side by side").

Run: `make bench-compare`, or `.venv/bin/python bench/compare.py --help` for the knobs.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import reads
from reads import CORGI_ACCEPT, FULL_ACCEPT, HOST, Plan, Row, Spec, package_path, process_tree

VERDACCIO_VERSION = "6.8.0"
VERDACCIO_DIR = reads.ROOT / "bench" / ".verdaccio"
SERVERS = ("tarbox", "Verdaccio", "nginx")
GZIP = (("Accept-Encoding", "gzip"),)


# --------------------------------------------------------------------------------------------
# What is measured


@dataclass(frozen=True)
class Doc:
    """One thing to GET from one server."""

    path: str
    accept: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RowSpec:
    key: str  # the JSON name
    label: str
    doc: str  # which Doc of each server (a key of Endpoint.docs)
    connections: tuple[int, ...]
    throughput: bool = False  # show MB/s or GB/s in the table


def row_specs(plan: Plan) -> tuple[RowSpec, ...]:
    big = f"{len(plan.big.versions)}-version packument"
    return (
        RowSpec("small-abbrev", "small packument, abbreviated", "small", (1, 8, 64)),
        RowSpec("small-tarball", "small tarball", "small.tgz", (1, 16, 64)),
        RowSpec("big-full", f"{big}, full", "big.full", (8,)),
        RowSpec("big-abbrev", f"{big}, abbreviated", "big", (8,)),
        RowSpec("big-abbrev-gzip", f"{big}, abbrev., gzip", "big.gz", (8,)),
        RowSpec("big-tarball", "4.4 MB tarball", "huge.tgz", (16,), throughput=True),
    )


@dataclass
class Endpoint:
    name: str
    port: int
    pid: int
    docs: dict[str, Doc] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)  # body bytes of each doc, as sent


# --------------------------------------------------------------------------------------------
# The corpus: reads.py's plan, plus one package with a big, incompressible tarball


def huge_spec(plan: Plan) -> Spec:
    taken = {spec.name for spec in plan.all_specs()}
    name = "typescript" if "typescript" not in taken else "bench-big-tarball"
    description = "A package whose tarball is mostly random bytes (the big-tarball benchmark)"
    return Spec(name, description, ("1.0.0",), ())


def huge_publish_body(spec: Spec, size: int) -> bytes:
    """reads.publish_body's shape, with `size` random bytes in the tarball (gzip can't shrink
    them, so the .tgz is about `size` bytes)."""
    from tests.builders import a_publish_body, a_tarball

    version = spec.versions[0]
    manifest = reads.manifest_for(spec, version)
    rng = random.Random(f"{spec.name}@{version}")
    files = {
        "index.js": reads.source_file(rng, 20),
        "README.md": reads.readme(spec).encode(),
        "lib/data.bin": rng.randbytes(size),
    }
    tarball = a_tarball(spec.name, version, manifest=manifest, files=files)
    body = a_publish_body(spec.name, version, tarball=tarball, manifest=manifest)
    body["description"] = spec.description
    body["versions"][version]["readme"] = reads.readme(spec)
    return json.dumps(body).encode()


def load_registry(name: str, port: int, plan: Plan, huge: tuple[Spec, bytes], jobs: int) -> None:
    """The user, reads.py's packages (not the private one: that needs tarbox's plan), and the
    big tarball, through the npm HTTP API."""
    client = reads.Client(port)
    print(f"{name}: loading {plan.publish_count() + 1:,} versions ...", flush=True)
    reads.add_user(client)
    report = reads.load(client, plan, jobs)
    spec, body = huge
    status, _, data = client.request("PUT", package_path(spec.name), body)
    if status not in (200, 201):
        raise SystemExit(f"{name}: publishing {spec.name}: {status} {data[:300]!r}")
    print(
        f"{name}: loaded {report.published + 1:,} versions in {report.seconds:.1f}s "
        f"({report.published / report.seconds:.0f} publishes/s, {jobs} in parallel)",
        flush=True,
    )
    for refused in report.refused:
        print(f"  refused by {name}: {refused}")


# --------------------------------------------------------------------------------------------
# Process trees: memory, and killing what a server leaves behind


def start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return None if fields[0] == "Z" else fields[19]


def kill_leftovers(processes: list[tuple[int, str | None]]) -> None:
    """SIGKILL each (pid, start time) still running: the same process, not a reused pid."""
    for pid, started in processes:
        if started is not None and start_time(pid) == started:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def tree_memory_kib(root: int) -> tuple[int, int, int]:
    """(processes, sum of VmRSS, sum of Pss) over the process tree of `root`, in KiB."""
    count = rss = pss = 0
    for pid in process_tree(root):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        count += 1
        rss += kib_field(status, "VmRSS:")
        pss += kib_field(rollup, "Pss:")
    return count, rss, pss


def kib_field(text: str, name: str) -> int:
    for line in text.splitlines():
        if line.startswith(name):
            return int(line.split()[1])
    return 0


def stop(process: subprocess.Popen[bytes]) -> None:
    leftovers = [(pid, start_time(pid)) for pid in process_tree(process.pid)[1:]]
    reads.terminate(process)
    kill_leftovers(leftovers)


def wait_for(name: str, port: int, path: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited early:\n{read_log(log)}")
        try:
            if fetch(port, path, {})[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{name} did not come up:\n{read_log(log)}")


def read_log(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:] if log.is_file() else "(no log)"


# --------------------------------------------------------------------------------------------
# The three servers


@contextmanager
def tarbox(where: Path) -> Iterator[Endpoint]:
    """reads.py's server, plus: its workers are killed if they outlive the supervisor."""
    leftovers: list[tuple[int, str | None]] = []
    try:
        with reads.tarbox_server(where) as server:
            try:
                yield Endpoint("tarbox", server.port, server.pid)
            finally:
                leftovers = [(pid, start_time(pid)) for pid in process_tree(server.pid)[1:]]
    finally:
        kill_leftovers(leftovers)


def install_verdaccio(prefix: Path, npm: str) -> Path:
    """Verdaccio's bin script, installed with npm into `prefix` unless it is there already."""
    package = prefix / "node_modules" / "verdaccio"
    manifest = package / "package.json"
    if not manifest.is_file() or json.loads(manifest.read_text())["version"] != VERDACCIO_VERSION:
        print(f"installing verdaccio@{VERDACCIO_VERSION} into {prefix} ...", flush=True)
        prefix.mkdir(parents=True, exist_ok=True)
        command = [npm, "install", "--no-audit", "--no-fund", f"verdaccio@{VERDACCIO_VERSION}"]
        subprocess.run([*command, "--prefix", str(prefix)], check=True)
    return package / "bin" / "verdaccio"


VERDACCIO_CONFIG = """\
# Written by bench/compare.py. No uplinks: this Verdaccio never proxies to another registry.
storage: {storage}
auth:
  htpasswd:
    file: {htpasswd}
    max_users: 1000
packages:
  '@*/*':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
  '**':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
server:
  keepAliveTimeout: 60
# JWT tokens: checking one is a signature, not the password's bcrypt (about 0.1 s per publish).
security:
  api:
    jwt:
      sign:
        expiresIn: 1d
listen: "{host}:{port}"
max_body_size: 200mb
log:
  type: file
  path: {log}
  format: json
  level: warn
"""


@contextmanager
def verdaccio(where: Path, node: str, bin_script: Path) -> Iterator[Endpoint]:
    home = where / "verdaccio"
    home.mkdir()
    port = reads.free_port()
    config = home / "config.yaml"
    config.write_text(
        VERDACCIO_CONFIG.format(
            storage=home / "storage",
            htpasswd=home / "htpasswd",
            host=HOST,
            port=port,
            log=home / "verdaccio.log",
        )
    )
    out = home / "stdout.log"
    env = {**os.environ, "NODE_ENV": "production"}
    with out.open("wb") as handle:
        process = subprocess.Popen(
            [node, str(bin_script), "--config", str(config)],
            cwd=home,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stopped by us, also on Ctrl-C
        )
    try:
        wait_for("verdaccio", port, "/-/ping", process, out)
        yield Endpoint("Verdaccio", port, process.pid)
    finally:
        stop(process)


NGINX_CONFIG = """\
# Written by tarbox's bench/.
daemon off;
worker_processes auto;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
{user}
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    keepalive_timeout 75s;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{
        application/octet-stream tgz;
    }}
    default_type application/json;
    gzip_static on;
    server {{
        listen {host}:{port};
        root {root};
{locations}
    }}
}}
"""


def nginx_user() -> str:
    """As root, nginx would run its workers as `nobody`, who can't read the temporary dir."""
    if os.geteuid() != 0:
        return ""
    import grp
    import pwd

    return f"user {pwd.getpwuid(0).pw_name} {grp.getgrgid(0).gr_name};"


@contextmanager
def nginx(where: Path, binary: str, root: Path, probe_path: str) -> Iterator[Endpoint]:
    tmp = where / "nginx"
    tmp.mkdir(exist_ok=True)
    port = reads.free_port()
    config = tmp / "nginx.conf"
    config.write_text(
        NGINX_CONFIG.format(
            tmp=tmp, user=nginx_user(), host=HOST, port=port, root=root, locations=""
        )
    )
    log = tmp / "error.log"
    process = subprocess.Popen(
        [binary, "-p", str(tmp), "-c", str(config), "-e", str(log)],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for("nginx", port, probe_path, process, log)
        yield Endpoint("nginx", port, process.pid)
    finally:
        stop(process)


# --------------------------------------------------------------------------------------------
# What each server answers


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        conn.request("GET", path, headers={"User-Agent": reads.NPM_USER_AGENT, **headers})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def get(endpoint: Endpoint, doc: Doc) -> tuple[dict[str, str], bytes]:
    status, headers, body = fetch(
        endpoint.port, doc.path, {"Accept": doc.accept, **dict(doc.headers)}
    )
    if status != 200:
        raise SystemExit(f"{endpoint.name}: GET {doc.path}: {status} {body[:300]!r}")
    return headers, body


def tarball_path(endpoint: Endpoint, name: str) -> str:
    """The path of the latest version's dist.tarball (always asked of 127.0.0.1)."""
    _, body = get(endpoint, Doc(package_path(name), CORGI_ACCEPT))
    document = json.loads(body)
    latest = document["dist-tags"]["latest"]
    return urlsplit(document["versions"][latest]["dist"]["tarball"]).path


def registry_docs(endpoint: Endpoint, plan: Plan, huge: Spec) -> dict[str, Doc]:
    small, big = package_path(plan.small.name), package_path(plan.big.name)
    return {
        "small": Doc(small, CORGI_ACCEPT),
        "small.tgz": Doc(tarball_path(endpoint, plan.small.name), "*/*"),
        "big.full": Doc(big, FULL_ACCEPT),
        "big": Doc(big, CORGI_ACCEPT),
        "big.gz": Doc(big, CORGI_ACCEPT, GZIP),
        "huge.tgz": Doc(tarball_path(endpoint, huge.name), "*/*"),
    }


def static_docs(tarbox_docs: dict[str, Doc], plan: Plan) -> dict[str, Doc]:
    """nginx can't choose by Accept: full and abbreviated documents live under their own paths.
    The tarballs keep tarbox's paths."""
    small, big = plan.small.name, plan.big.name
    return {
        "small": Doc(f"/corgi/{small}", CORGI_ACCEPT),
        "small.tgz": tarbox_docs["small.tgz"],
        "big.full": Doc(f"/full/{big}", FULL_ACCEPT),
        "big": Doc(f"/corgi/{big}", CORGI_ACCEPT),
        "big.gz": Doc(f"/corgi/{big}", CORGI_ACCEPT, GZIP),
        "huge.tgz": tarbox_docs["huge.tgz"],
    }


def write_static_root(source: Endpoint, docs: dict[str, Doc], root: Path) -> None:
    """tarbox's bytes (asked without Accept-Encoding) at nginx's paths, each document also
    gzip -6'd next to it (`gzip_static on`)."""
    for key, doc in docs.items():
        if doc.headers:  # the gzip row: the same file, served from its .gz
            continue
        _, body = get(source, source.docs[key])
        path = root / doc.path.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        if not key.endswith(".tgz"):
            path.with_name(path.name + ".gz").write_bytes(gzip.compress(body, 6, mtime=0))


def check_answers(endpoints: list[Endpoint], rows: tuple[RowSpec, ...]) -> None:
    """One GET of each row's doc from each server: the status (200, or stop), the body size and
    type. nginx must give tarbox's bytes."""
    print("answers (one GET each; body bytes as sent, so compressed in the gzip row):")
    first = endpoints[0]
    for row in rows:
        bodies = []
        for endpoint in endpoints:
            headers, body = get(endpoint, endpoint.docs[row.doc])
            endpoint.sizes[row.doc] = len(body)
            bodies.append(body)
            kind = headers.get("content-type", "?").split(";")[0]
            encoding = headers.get("content-encoding", "")
            print(
                f"  {row.label:<40} {endpoint.name:<9} 200 {len(body):>11,} B  {kind}"
                + (f", {encoding}" if encoding else "")
            )
            ratio = len(body) / max(first.sizes[row.doc], 1)
            if not 0.5 <= ratio <= 2:
                print(f"    note: {ratio:.2f} times tarbox's size")
        identical = bodies[-1] == bodies[0] or bool(row.doc.endswith(".gz"))
        if not identical:
            print("    note: nginx's bytes are not tarbox's")


# --------------------------------------------------------------------------------------------
# Measuring


Results = dict[tuple[str, int, str], Row]  # (row key, connections, server) -> wrk's numbers


def measure_all(
    wrk: str, endpoints: list[Endpoint], rows: tuple[RowSpec, ...], args: argparse.Namespace
) -> Results:
    results: Results = {}
    for row in rows:
        settings = reads.WrkSettings(2, row.connections, args.duration, args.warmup)
        for endpoint in endpoints:
            doc = endpoint.docs[row.doc]
            size = endpoint.sizes[row.doc]
            target = reads.Target(row.label, doc.path, doc.accept, size, headers=doc.headers)
            measured = reads.measure(wrk, endpoint.port, endpoint.pid, target, settings)
            done = []
            for result in measured:
                results[(row.key, result.connections, endpoint.name)] = result
                done.append(f"c{result.connections} {rate(result):,.0f} req/s")
            print(f"  {row.label:<40} {endpoint.name:<9} " + ", ".join(done), flush=True)
    return results


def human_bytes(size: int) -> str:
    if size < 10_000:
        return f"{size:,} B"
    return f"{size / 1000:,.1f} kB" if size < 1_000_000 else f"{size / 1e6:,.2f} MB"


def rate(row: Row) -> float:
    return row.requests / row.seconds if row.seconds else 0.0


def throughput(row: Row) -> str:
    per_second = row.bytes_read / row.seconds if row.seconds else 0.0
    return f"{per_second / 1e9:.2f} GB/s" if per_second >= 1e9 else f"{per_second / 1e6:.0f} MB/s"


def ratio(a: Row, b: Row) -> str:
    return f"{rate(a) / rate(b):.2f}x" if rate(b) else "-"


def table_rows(
    rows: tuple[RowSpec, ...], results: Results, endpoints: list[Endpoint]
) -> list[list[str]]:
    heading = [
        "row",
        "conns",
        "tarbox req/s",
        "Verdaccio req/s",
        "nginx req/s",
        "tarbox/Verdaccio",
        "tarbox/nginx",
        "p99 ms (t / V / n)",
        "body (t / V / n)",
        "throughput (t / V / n)",
    ]
    lines = [heading]
    for row in rows:
        sizes = " / ".join(human_bytes(e.sizes[row.doc]) for e in endpoints)
        for conns in row.connections:
            t, v, n = (results[(row.key, conns, name)] for name in SERVERS)
            lines.append(
                [
                    row.label,
                    str(conns),
                    f"{rate(t):,.0f}",
                    f"{rate(v):,.0f}",
                    f"{rate(n):,.0f}",
                    ratio(t, v),
                    ratio(t, n),
                    " / ".join(f"{r.p99_ms:.1f}" for r in (t, v, n)),
                    sizes,
                    " / ".join(throughput(r) for r in (t, v, n)) if row.throughput else "",
                ]
            )
    return lines


def render(lines: list[list[str]]) -> str:
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]

    def one(values: list[str]) -> str:
        first, *rest = zip(values, widths, strict=True)
        return "  ".join([first[0].ljust(first[1])] + [v.rjust(w) for v, w in rest]).rstrip()

    head = one(lines[0])
    return "\n".join([head, "-" * len(head), *(one(line) for line in lines[1:])])


def memory_table(before: dict[str, tuple[int, int, int]], after: dict[str, Any]) -> str:
    lines = [["server", "processes", "RSS after load", "PSS after load", "RSS after runs"]]
    for name, (count, rss, pss) in before.items():
        lines.append([name, str(count), mb(rss), mb(pss), mb(after[name][1])])
    return render(lines)


def mb(kib: int) -> str:
    return f"{kib / 1024:,.1f} MB"


def memory(endpoints: list[Endpoint]) -> dict[str, tuple[int, int, int]]:
    return {endpoint.name: tree_memory_kib(endpoint.pid) for endpoint in endpoints}


def errors_note(results: Results) -> list[str]:
    return [
        f"note: {server} gave {row.errors:,} errors in '{key}' at {conns} connections "
        "(wrk: connect, read, write, timeout or a status other than 2xx/3xx)"
        for (key, conns, server), row in results.items()
        if row.errors
    ]


def as_json(
    rows: tuple[RowSpec, ...],
    results: Results,
    endpoints: list[Endpoint],
    mem: tuple[dict[str, tuple[int, int, int]], dict[str, tuple[int, int, int]]],
) -> dict[str, Any]:
    def numbers(row: Row, size: int) -> dict[str, Any]:
        return {
            "req_per_s": round(rate(row), 1),
            "mean_ms": round(row.mean_ms, 3),
            "p50_ms": round(row.p50_ms, 3),
            "p99_ms": round(row.p99_ms, 3),
            "max_ms": round(row.max_ms, 3),
            "bytes_per_s": round(row.bytes_read / row.seconds) if row.seconds else 0,
            "requests": row.requests,
            "errors": row.errors,
            "body_bytes": size,
        }

    table = []
    for row in rows:
        for conns in row.connections:
            by_server = {
                e.name: numbers(results[(row.key, conns, e.name)], e.sizes[row.doc])
                for e in endpoints
            }
            t, v, n = (by_server[name]["req_per_s"] for name in SERVERS)
            table.append(
                {
                    "row": row.key,
                    "label": row.label,
                    "connections": conns,
                    "servers": by_server,
                    "tarbox/verdaccio": round(t / v, 3) if v else None,
                    "tarbox/nginx": round(t / n, 3) if n else None,
                }
            )
    before, after = mem
    return {
        "rows": table,
        "memory_kib": {
            name: {"processes": c, "rss_after_load": r, "pss_after_load": p, "rss_after_runs": a[1]}
            for (name, (c, r, p)), a in zip(before.items(), after.values(), strict=True)
        },
    }


# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--versions", type=int, default=2000, help="versions of the big package")
    parser.add_argument("--others", type=int, default=50, help="other small packages")
    parser.add_argument(
        "--jobs", type=int, default=4, help="parallel publishes to tarbox while loading"
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per target")
    parser.add_argument(
        "--tarball-mib", type=float, default=4.4, help="random bytes in the big tarball (MiB)"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the table here")
    parser.add_argument(
        "--verdaccio-dir", type=Path, default=VERDACCIO_DIR, help="where npm installs Verdaccio"
    )
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep the data dirs and server logs in DIR"
    )
    parser.add_argument("--catalog", type=Path, default=reads.CATALOG, help="names to use")
    return parser.parse_args(argv)


def tools(
    names: tuple[str, ...] = ("wrk", "node", "npm"), nginx: bool = True, who: str = "compare.py"
) -> dict[str, str]:
    """Where each tool the benchmark runs is; exits saying how to install what is missing."""
    found = {name: shutil.which(name) for name in names}
    if nginx:
        found["nginx"] = shutil.which("nginx") or (
            "/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None
        )
    missing = [name for name, path in found.items() if path is None]
    if missing:
        packages = " ".join(
            {"nginx": "nginx-light", "node": "nodejs"}.get(name, name) for name in missing
        )
        raise SystemExit(
            f"bench/{who} needs {', '.join(missing)}. On Debian/Ubuntu: "
            f"apt-get install -y {packages}"
        )
    return {name: str(path) for name, path in found.items()}


def on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds the `with`s: every server is stopped


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(reads.ROOT))  # for tests.builders, the npm-shaped publish bodies
    if not Path("/proc/self/stat").is_file():
        raise SystemExit("bench/compare.py reads the servers' memory from /proc (Linux only)")
    found = tools()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    bin_script = install_verdaccio(args.verdaccio_dir.resolve(), found["npm"])
    plan = reads.make_plan(args.catalog, args.versions, args.others)
    with ExitStack() as stack:
        where = stack.enter_context(reads.workdir(args.keep))
        endpoints = [
            stack.enter_context(tarbox(where)),
            stack.enter_context(verdaccio(where, found["node"], bin_script)),
        ]
        load_both(endpoints, plan, args)
        nginx_endpoint = serve_static(stack, where, found["nginx"], endpoints[0], plan)
        endpoints.append(nginx_endpoint)
        report(found["wrk"], endpoints, plan, args)
    return 0


def load_both(endpoints: list[Endpoint], plan: Plan, args: argparse.Namespace) -> None:
    for endpoint in endpoints:
        print(f"{endpoint.name} on http://{HOST}:{endpoint.port} (pid {endpoint.pid})")
    huge = huge_spec(plan)
    huge_body = huge_publish_body(huge, int(args.tarball_mib * 1024 * 1024))
    for endpoint in endpoints:
        # Verdaccio one publish at a time: two first publishes of a package at once made it read
        # a half-written package.json and answer 500 (npm users publish one at a time anyway).
        jobs = args.jobs if endpoint.name == "tarbox" else 1
        load_registry(endpoint.name, endpoint.port, plan, (huge, huge_body), jobs)
        endpoint.docs = registry_docs(endpoint, plan, huge)
    # The loads leave hundreds of MB of dirty pages; flush them before measuring (as reads.py).
    started = time.perf_counter()
    os.sync()
    print(f"synced the loads' writes to disk in {time.perf_counter() - started:.1f}s")


def serve_static(
    stack: ExitStack, where: Path, binary: str, source: Endpoint, plan: Plan
) -> Endpoint:
    docs = static_docs(source.docs, plan)
    root = where / "nginx" / "root"
    write_static_root(source, docs, root)
    endpoint = stack.enter_context(nginx(where, binary, root, docs["small"].path))
    endpoint.docs = docs
    print(f"nginx on http://{HOST}:{endpoint.port} (pid {endpoint.pid}), files in {root}")
    return endpoint


def report(wrk: str, endpoints: list[Endpoint], plan: Plan, args: argparse.Namespace) -> None:
    rows = row_specs(plan)
    check_answers(endpoints, rows)
    before = memory(endpoints)
    print("measuring (each row: tarbox, then Verdaccio, then nginx):")
    results = measure_all(wrk, endpoints, rows, args)
    after = memory(endpoints)
    print()
    print(
        f"wrk -t2 (-t1 for 1 connection) -d{args.duration}s, keep-alive, {args.warmup}s warm-up "
        f"per target and server; {os.cpu_count()} CPUs shared by wrk and the servers. "
        "nginx serves tarbox's bytes as static files (/full/NAME, /corgi/NAME, gzip_static)."
    )
    print(render(table_rows(rows, results, endpoints)))
    for line in errors_note(results):
        print(line)
    print()
    print("memory: sums over each server's whole process tree (from /proc; RSS counts shared")
    print("pages once per process, PSS splits them)")
    print(memory_table(before, after))
    if args.json:
        document = as_json(rows, results, endpoints, (before, after))
        document["settings"] = {
            "versions": args.versions,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "cpus": os.cpu_count(),
            "verdaccio": VERDACCIO_VERSION,
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    raise SystemExit(main())
