"""Read-through cache benchmark: `npm ci` of a real tree through tarbox's cache against the same
straight from the upstream registry; numbers only, no pass/fail.

Starts an upstream `tarbox serve` holding the real_tree fixture (express 4.21.2 and cli-table3
0.6.5: 79 package versions, tests/fixtures/real_tree), and in front of it: a tarbox cache
(`TARBOX_UPSTREAMS=*=<upstream>`) emptied before every run ("cold"), another one that keeps what
it fetched ("warm"), Verdaccio 6.8.0 with the upstream as its uplink (cold and warm the same
way), and nginx serving static copies of the upstream's documents and tarballs (the floor). For
each, a project whose package-lock.json was resolved against that registry, then timed runs of
`npm ci --cache=<new empty dir> --prefer-online`, taking turns so a noisy moment hits every
target alike. Prints each target's median and min, and the issue's two ratios: cold/direct
(target 1.5 or less) and warm/direct (target 1.0 or less). See bench/README.md ("Read-through
cache").

Run: `.venv/bin/python bench/upstream.py`, or `--help` for the knobs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import compare
import reads
from reads import CORGI_ACCEPT, HOST, package_path

TARGETS_RATIO = {"cold": 1.5, "warm": 1.0}  # the targets, against "direct"
NPM_CI = ("ci", "--prefer-online", "--no-audit", "--no-fund", "--ignore-scripts")
# The tarbox settings a developer's shell may have that would change what is measured.
TARBOX_UNSET = (
    "TARBOX_PUBLIC_URL",
    "TARBOX_UPSTREAMS",
    "TARBOX_UPSTREAM_TOKENS",
    "TARBOX_UPSTREAM_TTL",
    "TARBOX_QUARANTINE_HOURS",
    "TARBOX_QUARANTINE_ORGS",
)


# --------------------------------------------------------------------------------------------
# The servers, each on one port for the whole run (lockfiles name it), restartable on new data


def tarbox_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in TARBOX_UNSET}
    return {**env, "TARBOX_BACKEND": "embedded", **extra}


@dataclass
class Server:
    """A registry process on a fixed port, started again on a new data dir when asked."""

    name: str
    home: Path  # its data dirs and logs
    port: int = field(default_factory=reads.free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    logs: list[Path] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def command(self, data: Path) -> tuple[list[str], dict[str, str], Path]:
        raise NotImplementedError

    def start(self) -> None:
        """On a new, empty data dir (the previous one is deleted)."""
        self.stop()
        self.starts += 1
        data = self.home / f"data-{self.starts}"
        shutil.rmtree(self.home / f"data-{self.starts - 1}", ignore_errors=True)
        self.start_on(data)

    def start_on(self, data: Path) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        command, env, cwd = self.command(data)
        log = self.home / f"{self.name}-{self.starts}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        compare.wait_for(self.name, self.port, "/-/ping", self.process, log)

    def stop(self) -> None:
        if self.process is not None:
            compare.stop(self.process)
            self.process = None


@dataclass
class Tarbox(Server):
    env: dict[str, str] = field(default_factory=dict)
    workers: int | None = None
    threads: int | None = None
    checkout: Path = reads.ROOT  # whose chalicelib runs

    def command(self, data: Path) -> tuple[list[str], dict[str, str], Path]:
        env = dict(self.env)
        if self.checkout == reads.ROOT:
            command = reads.server_command(self.port, data)
        else:  # another checkout's code, with this virtualenv (as bench/write_contention.py)
            serve = ["serve", "--host", HOST, "--port", str(self.port), "--data-dir", str(data)]
            command = [sys.executable, "-m", "chalicelib.cli", *serve]
            env["PYTHONPATH"] = str(self.checkout)
        if self.workers:
            command += ["--workers", str(self.workers)]
        if self.threads:
            command += ["--threads", str(self.threads)]
        return command, tarbox_env(env), self.checkout


VERDACCIO_CONFIG = """\
# Written by bench/upstream.py: every package is read through to the upstream tarbox.
storage: {storage}
auth:
  htpasswd:
    file: {htpasswd}
    max_users: -1
uplinks:
  upstream:
    url: {upstream}
    maxage: 1d
    timeout: 30s
    cache: true
packages:
  '@*/*':
    access: $all
    proxy: upstream
  '**':
    access: $all
    proxy: upstream
server:
  keepAliveTimeout: 60
listen: "{host}:{port}"
log:
  type: file
  path: {log}
  format: json
  level: warn
"""


@dataclass
class Verdaccio(Server):
    node: str = "node"
    bin_script: Path = Path()
    upstream: str = ""

    def command(self, data: Path) -> tuple[list[str], dict[str, str], Path]:
        data.mkdir(parents=True)
        config = data / "config.yaml"
        config.write_text(
            VERDACCIO_CONFIG.format(
                storage=data / "storage",
                htpasswd=data / "htpasswd",
                upstream=self.upstream,
                host=HOST,
                port=self.port,
                log=data / "verdaccio.log",
            )
        )
        env = {**os.environ, "NODE_ENV": "production"}
        return [self.node, str(self.bin_script), "--config", str(config)], env, data


# What the static copy answers (compare.NGINX_CONFIG's server block): /NAME and
# /@scope%2fNAME (nginx decodes it) the abbreviated document, /…/-/FILE.tgz the tarball.
NGINX_LOCATIONS = """\
        location / {
            try_files /packuments$uri.json =404;
        }
        location ~ "/-/[^/]+\\.tgz$" {
            try_files $uri =404;
        }"""


@dataclass
class Nginx(Server):
    binary: str = "nginx"
    root: Path = Path()
    probe: str = "/"

    def command(self, data: Path) -> tuple[list[str], dict[str, str], Path]:
        data.mkdir(parents=True, exist_ok=True)
        config = data / "nginx.conf"
        config.write_text(
            compare.NGINX_CONFIG.format(
                tmp=data,
                user=compare.nginx_user(),
                host=HOST,
                port=self.port,
                root=self.root,
                locations=NGINX_LOCATIONS,
            )
        )
        log = data / "error.log"
        return [self.binary, "-p", str(data), "-c", str(config), "-e", str(log)], {}, data

    def start_on(self, data: Path) -> None:
        command, _, _ = self.command(data)
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True)
        compare.wait_for("nginx", self.port, self.probe, self.process, data / "error.log")


def static_root(upstream: Server, names: list[str], root: Path, port: int) -> str:
    """The upstream's abbreviated documents (tarball URLs pointing at nginx's `port`, each also
    gzip'd) and tarballs as files; returns a document's path to probe."""
    source, target = upstream.url.rstrip("/"), f"http://{HOST}:{port}"
    for name in names:
        _, body = compare.get(compare.Endpoint("upstream", upstream.port, 0), _doc(name))
        document = json.loads(body)
        for manifest in document["versions"].values():
            url = manifest["dist"]["tarball"]
            path = urlsplit(url).path
            _, tarball = compare.get(
                compare.Endpoint("upstream", upstream.port, 0), compare.Doc(path, "*/*")
            )
            file = root / path.lstrip("/")
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(tarball)
            manifest["dist"]["tarball"] = target + url.removeprefix(source)
        text = json.dumps(document, separators=(",", ":")).encode()
        file = root / "packuments" / f"{name}.json"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(text)
        file.with_name(file.name + ".gz").write_bytes(gzip.compress(text, 6, mtime=0))
    return package_path(names[0])


def _doc(name: str) -> compare.Doc:
    return compare.Doc(package_path(name), CORGI_ACCEPT)


# --------------------------------------------------------------------------------------------
# npm


@dataclass
class Npm:
    where: Path

    def __post_init__(self) -> None:
        """A HOME and userconfig of its own: nothing from ~/.npmrc (such as
        omit-lockfile-registry-resolved, which would leave the tarball URLs out of the lock)."""
        self.home = self.where / "npm-home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.npmrc = self.home / ".npmrc"
        self.npmrc.write_text("update-notifier=false\nfund=false\naudit=false\n")
        self.caches = self.where / "npm-caches"
        self.runs = 0

    def env(self) -> dict[str, str]:
        return {
            "PATH": os.environ["PATH"],
            "HOME": str(self.home),
            "npm_config_userconfig": str(self.npmrc),
            "npm_config_update_notifier": "false",
        }

    def run(self, project: Path, registry: str, *args: str) -> float:
        """One npm command with a new, empty cache; its wall time in seconds."""
        self.runs += 1
        cache = self.caches / str(self.runs)
        command = ["npm", *args, f"--registry={registry}", f"--cache={cache}"]
        started = time.perf_counter()
        done = subprocess.run(
            command,
            cwd=project,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        took = time.perf_counter() - started
        shutil.rmtree(cache, ignore_errors=True)
        if done.returncode != 0:
            raise SystemExit(
                f"{' '.join(command)} in {project} failed:\n{done.stdout}{done.stderr}"
            )
        return took


def make_project(where: Path, key: str, roots: dict[str, str]) -> Path:
    project = where / "projects" / key
    project.mkdir(parents=True)
    body = {"name": f"bench-{key}", "version": "1.0.0", "private": True, "dependencies": roots}
    (project / "package.json").write_text(json.dumps(body, indent=2) + "\n")
    return project


def lock(npm: Npm, project: Path, registry: str, versions: int) -> int:
    """package-lock.json resolved against `registry`: every tarball URL names it, and it has
    the tree's `versions`. Returns its number of entries (what `npm ci` installs)."""
    npm.run(project, registry, "install", "--package-lock-only", "--ignore-scripts")
    entries = json.loads((project / "package-lock.json").read_text())["packages"]
    resolved = [e.get("resolved", "") for key, e in entries.items() if key]
    if len(set(resolved)) != versions or not all(r.startswith(registry) for r in resolved):
        raise SystemExit(f"the lockfile against {registry} is not the tree:\n{resolved}")
    return len(resolved)


def installed(project: Path) -> int:
    hidden = project / "node_modules" / ".package-lock.json"
    return len([k for k in json.loads(hidden.read_text())["packages"] if k])


# --------------------------------------------------------------------------------------------
# Targets


@dataclass
class Target:
    key: str
    label: str
    server: Server
    project: Path = Path()
    before_each: Callable[[], None] | None = None  # untimed: empty the cache
    entries: int = 0  # in its package-lock.json: what npm ci installs
    times: list[float] = field(default_factory=list)
    upstream_log: list[list[dict[str, Any]]] = field(default_factory=list)  # per timed run
    own_log: list[list[dict[str, Any]]] = field(default_factory=list)  # a tarbox cache's, too


SETTLE_SECONDS = 0.5  # before each timed run, after the untimed preparation


def measure(npm: Npm, targets: list[Target], upstream: Tarbox, runs: int) -> None:
    """A warm-up `npm ci` per target (untimed: the cold ones are emptied again before their
    first timed run), then `runs` rounds, each target in turn, each round starting one target
    later than the one before (no target always follows a restart, or always goes first)."""
    print("warm-up run per target ...", flush=True)
    for target in targets:
        npm.run(target.project, target.server.url, *NPM_CI)
    for number in range(runs):
        start = number % len(targets)
        done = [timed_run(npm, t, upstream) for t in targets[start:] + targets[:start]]
        print(f"  run {number + 1}/{runs}: " + ", ".join(done), flush=True)


def timed_run(npm: Npm, target: Target, upstream: Tarbox) -> str:
    """One `npm ci`; what it made the servers log is kept (the upstream's log, and the
    target's own when it is a tarbox)."""
    if target.before_each is not None:
        target.before_each()
    shutil.rmtree(target.project / "node_modules", ignore_errors=True)
    watched = [upstream.logs[-1]]
    if isinstance(target.server, Tarbox) and target.server is not upstream:
        watched.append(target.server.logs[-1])
    os.sync()  # the last run's writes (node_modules, caches) go to disk before, not during
    time.sleep(SETTLE_SECONDS)  # and a server just started has settled
    offsets = [size(log) for log in watched]
    took = npm.run(target.project, target.server.url, *NPM_CI)
    logged = [log_lines(log, offset) for log, offset in zip(watched, offsets, strict=True)]
    target.upstream_log.append(logged[0])
    if len(logged) > 1:
        target.own_log.append(logged[1])
    if installed(target.project) != target.entries:
        raise SystemExit(f"{target.label}: npm ci installed another tree")
    target.times.append(took)
    return f"{target.key} {took:.2f}s"


# --------------------------------------------------------------------------------------------
# Where the time goes: the request logs


def size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else 0


def log_lines(path: Path, offset: int = 0) -> list[dict[str, Any]]:
    """The request lines (JSON) of a tarbox log, from `offset` on."""
    with path.open("rb") as file:
        file.seek(offset)
        text = file.read().decode(errors="replace")
    lines = []
    for raw in text.splitlines():
        if raw.startswith("{"):
            try:
                lines.append(json.loads(raw))
            except ValueError:
                continue
    return lines


def kind(line: dict[str, Any]) -> str:
    path = str(line.get("path", ""))
    if path.endswith(".tgz"):
        return "tarball"
    return "other" if path.startswith("/-/") else "packument"


def summarise(runs: list[list[dict[str, Any]]]) -> dict[str, dict[str, float]]:
    """Per kind of request, per run: count, sum of latency_ms; and its median and max."""
    by_kind: dict[str, list[float]] = {}
    for line in (line for run in runs for line in run):
        by_kind.setdefault(kind(line), []).append(float(line.get("latency_ms") or 0))
    found: dict[str, dict[str, float]] = {
        k: {
            "count": len(v) / len(runs),
            "sum_ms": round(sum(v) / len(runs), 1),
            "p50_ms": round(statistics.median(v), 1),
            "max_ms": round(max(v), 1),
        }
        for k, v in sorted(by_kind.items())
        if k != "other"
    }
    how = Counter(str(line["cache"]) for run in runs for line in run if line.get("cache"))
    if how:  # X-Tarbox-Cache, as the log says it
        found["X-Tarbox-Cache"] = {k: n / len(runs) for k, n in sorted(how.items())}
    return found


def span_ms(runs: list[list[dict[str, Any]]]) -> float:
    """Median over the runs of the time from npm's first tarball request to its last (their log
    timestamps: when each was answered, to the millisecond)."""
    spans = []
    for run in runs:
        stamps = [
            datetime.fromisoformat(line["timestamp"]).timestamp()
            for line in run
            if kind(line) == "tarball" and "timestamp" in line
        ]
        if stamps:
            spans.append((max(stamps) - min(stamps)) * 1000)
    return round(statistics.median(spans), 1) if spans else 0.0


def where_time_goes(targets: list[Target]) -> dict[str, Any]:
    """The servers' view of the timed runs: what npm asked the upstream directly, what it asked
    each tarbox cache, and what each cache (tarbox or Verdaccio) asked the upstream meanwhile."""
    found: dict[str, Any] = {}
    for target in targets:
        if target.key == "direct":
            found["direct: the upstream, asked by npm"] = {
                **summarise(target.upstream_log),
                "answered within": {"ms": span_ms(target.upstream_log)},
            }
            continue
        if target.own_log:
            found[f"{target.key}: the cache, asked by npm"] = {
                **summarise(target.own_log),
                "answered within": {"ms": span_ms(target.own_log)},
            }
        if target.key != "nginx":
            found[f"{target.key}: the upstream, asked by the cache"] = summarise(
                target.upstream_log
            )
    return found


def line(key: str, numbers: dict[str, float]) -> str:
    if key == "X-Tarbox-Cache":
        return f"{key}: " + ", ".join(f"{how} {n:.0f}" for how, n in numbers.items())
    if "ms" in numbers:
        return f"{key}: {numbers['ms']:,.0f} ms"
    return (
        f"{key}: {numbers['count']:.0f} requests, sum {numbers['sum_ms']:,.0f} ms, "
        f"p50 {numbers['p50_ms']:.1f} ms, max {numbers['max_ms']:.0f} ms"
    )


def print_where(found: dict[str, Any]) -> None:
    if not found:
        return
    print("\nserver side, per timed run (the request logs' latency_ms; npm sends requests in")
    print("parallel, so a sum can exceed the wall time; 'answered within': from the first tarball")
    print("answered to the last, the median over the runs):")
    for title, kinds in found.items():
        parts = [line(k, n) for k, n in kinds.items()]
        print(f"  {title}:\n    " + ("\n    ".join(parts) or "(none)"))


# --------------------------------------------------------------------------------------------
# Output


def table(targets: list[Target], direct: Target) -> str:
    base = statistics.median(direct.times)
    lines = [["target", "median s", "min s", "max s", "median / direct", "runs (s)"]]
    for target in targets:
        median = statistics.median(target.times)
        lines.append(
            [
                target.label,
                f"{median:.2f}",
                f"{min(target.times):.2f}",
                f"{max(target.times):.2f}",
                f"{median / base:.2f}x",
                " ".join(f"{t:.2f}" for t in target.times),
            ]
        )
    return compare.render(lines)


def ratios(targets: dict[str, Target]) -> list[dict[str, Any]]:
    direct = targets["direct"].times
    found = []
    for key, goal in TARGETS_RATIO.items():
        if key not in targets:
            continue
        times = targets[key].times
        found.append(
            {
                "ratio": f"{key}/direct",
                "median": round(statistics.median(times) / statistics.median(direct), 3),
                "min": round(min(times) / min(direct), 3),
                "target": goal,
            }
        )
    return found


# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="timed npm ci runs per target")
    parser.add_argument(
        "--workers", type=int, help="worker processes of each tarbox (default: one per CPU)"
    )
    parser.add_argument(
        "--cache-threads",
        type=int,
        help="threads per worker of the two tarbox caches (default: tarbox serve's)",
    )
    parser.add_argument(
        "--checkout",
        type=Path,
        default=reads.ROOT,
        help="run every tarbox from this checkout (e.g. a `git worktree` of another commit)",
    )
    parser.add_argument(
        "--without",
        action="append",
        choices=("verdaccio", "nginx"),
        default=[],
        help="leave a peer out (repeatable)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    parser.add_argument(
        "--verdaccio-dir",
        type=Path,
        default=compare.VERDACCIO_DIR,
        help="where npm installs Verdaccio",
    )
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep the data dirs, projects and logs in DIR"
    )
    return parser.parse_args(argv)


def on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds the `with`s: every server is stopped


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(reads.ROOT))  # for tests.fixtures.real_tree
    from tests.fixtures import real_tree

    found = compare.tools(("node", "npm"), "nginx" not in args.without, "upstream.py")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    bin_script = None
    if "verdaccio" not in args.without:
        bin_script = compare.install_verdaccio(args.verdaccio_dir.resolve(), found["npm"])
    with ExitStack() as stack:
        where = stack.enter_context(reads.workdir(args.keep))
        checkout_dir = args.checkout.resolve()
        upstream = Tarbox(
            "upstream", where / "upstream", workers=args.workers, checkout=checkout_dir
        )
        stack.callback(upstream.stop)
        started = time.perf_counter()
        real_tree.load(upstream.home / "data-0")
        print(
            f"loaded the fixture ({real_tree.PACKAGES} versions of "
            f"{' '.join(f'{n}@{v}' for n, v in real_tree.ROOTS.items())}) in "
            f"{time.perf_counter() - started:.2f}s"
        )
        upstream.start_on(upstream.home / "data-0")
        npm = Npm(where)
        targets = build_targets(stack, where, upstream, found, bin_script, args)
        for target in targets:
            target.project = make_project(where, target.key, real_tree.ROOTS)
            print(f"{target.label}: {target.server.url}", flush=True)
            target.entries = lock(npm, target.project, target.server.url, real_tree.PACKAGES)
        measure(npm, targets, upstream, args.runs)
        report(targets, where_time_goes(targets), args)
    return 0


def build_targets(
    stack: ExitStack,
    where: Path,
    upstream: Tarbox,
    found: dict[str, str],
    bin_script: Path | None,
    args: argparse.Namespace,
) -> list[Target]:
    from tests.fixtures import real_tree

    cache_env = {
        "TARBOX_UPSTREAMS": f"*={upstream.url.rstrip('/')}",
        "TARBOX_UPSTREAM_TTL": "86400",
    }
    cold, warm = (
        Tarbox(
            name,
            where / name,
            env=cache_env,
            workers=args.workers,
            threads=args.cache_threads,
            checkout=upstream.checkout,
        )
        for name in ("cache-cold", "cache-warm")
    )
    targets = [
        Target("direct", "direct: npm -> upstream tarbox", upstream),
        Target(
            "cold", "cold: npm -> tarbox cache (emptied) -> upstream", cold, before_each=cold.start
        ),
        Target("warm", "warm: npm -> tarbox cache (has it all)", warm),
    ]
    if bin_script is not None:
        v_cold, v_warm = (
            Verdaccio(
                name, where / name, node=found["node"], bin_script=bin_script, upstream=upstream.url
            )
            for name in ("verdaccio-cold", "verdaccio-warm")
        )
        targets += [
            Target(
                "verdaccio-cold",
                "Verdaccio 6.8.0, cold (emptied)",
                v_cold,
                before_each=v_cold.start,
            ),
            Target("verdaccio-warm", "Verdaccio 6.8.0, warm", v_warm),
        ]
    if "nginx" not in args.without:
        nginx = Nginx(
            "nginx", where / "nginx", binary=found["nginx"], root=where / "nginx" / "root"
        )
        names = sorted({p["name"] for p in real_tree.tree()})
        nginx.probe = static_root(upstream, names, nginx.root, nginx.port)
        targets.append(Target("nginx", "nginx, static files (the floor)", nginx))
    for target in targets:
        if target.server is not upstream:
            stack.callback(target.server.stop)
            target.server.start()
    return targets


def checkout(where: Path) -> str:
    """The commit a checkout is at, and whether its code has changes not committed."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=where, capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return str(where)
    changed = git("status", "--porcelain", "--", "chalicelib", "app.py")
    return commit + (" + uncommitted changes" if changed else "")


def report(targets: list[Target], found_logs: dict[str, Any], args: argparse.Namespace) -> None:
    by_key = {t.key: t for t in targets}
    print()
    print(
        f"npm ci of the real_tree fixture, {args.runs} runs per target in turns, each with a new "
        f"empty --cache, --prefer-online; {os.cpu_count()} CPUs shared by npm and the servers"
    )
    workers = args.workers or "one per CPU"
    threads = args.cache_threads or "default"
    print(
        f"tarbox {checkout(args.checkout)}: workers {workers}; "
        f"threads per worker of the caches: {threads}"
    )
    print(table(targets, by_key["direct"]))
    print()
    for ratio in ratios(by_key):
        print(
            f"{ratio['ratio']:<12} median {ratio['median']:.2f}x   target <= {ratio['target']:.1f}x"
            f"   (fastest run / fastest run: {ratio['min']:.2f}x)"
        )
    print_where(found_logs)
    if args.json:
        document = {
            "targets": {
                t.key: {
                    "label": t.label,
                    "runs_s": [round(x, 3) for x in t.times],
                    "median_s": round(statistics.median(t.times), 3),
                    "min_s": round(min(t.times), 3),
                }
                for t in targets
            },
            "ratios": ratios(by_key),
            "server_side": found_logs,
            "settings": {
                "runs": args.runs,
                "workers": args.workers,
                "cache_threads": args.cache_threads,
                "checkout": checkout(args.checkout),
                "cpus": os.cpu_count(),
            },
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    raise SystemExit(main())
