"""Running tarbox and the real clients for end-to-end tests.

Every client call gets its own HOME, userconfig and caches (clients cache packuments and tokens,
and a shared cache hides registry bugs), and runs under a timeout.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from tests import stripe_events

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "node_modules" / ".bin"
CLIENT_TIMEOUT = 180
WEBHOOK_SECRET = "whsec_tarbox_e2e"
# The AWS backend's settings in the e2e tests, against a moto server.
AWS_ENV = {
    "TARBOX_BACKEND": "aws",
    "TARBOX_TABLE_NAME": "tarbox-e2e",
    "TARBOX_BUCKET_NAME": "tarbox-e2e-blobs",
    # Made by the first server that signs (infra/ makes it on AWS).
    "TARBOX_SIGNING_KEYS_SECRET": "tarbox-e2e/signing-keys",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PortTakenError(RuntimeError):
    """The server exited at once: another process took the port between free_port() and bind
    (the xdist workers pick ports at the same time)."""


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until `url` answers 200 from this process. Any answer is not enough: when the port was
    taken, the answer would be the other server's."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = log.read_text()
            if "Address already in use" in text:
                raise PortTakenError(text)
            raise RuntimeError(f"{url} exited early:\n{text}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up:\n{log.read_text()}")


def started(
    command: list[str], env: Mapping[str, str] | None, log: Path, url_of: Callable[[int], str]
) -> tuple[int, subprocess.Popen[bytes]]:
    """Start a server (`{port}` in its command) on a free port, and again on another port when
    the port was taken."""
    for _ in range(5):
        port = free_port()
        with log.open("wb") as out:
            process = subprocess.Popen(
                [part.replace("{port}", str(port)) for part in command],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_up(url_of(port), process, log)
        except PortTakenError:
            continue
        except BaseException:
            process.terminate()
            raise
        return port, process
    raise RuntimeError(f"no free port for {command[:4]}")


@contextmanager
def moto_server(workdir: Path) -> Iterator[str]:
    """moto in server mode, so a separate `tarbox serve` process can reach "AWS"."""
    # `localhost`, not 127.0.0.1: npm drops Authorization when a redirect changes the hostname,
    # as it would from the registry to S3 or CloudFront.
    port, process = started(
        [sys.executable, "-m", "tests.e2e.moto_serialized", "127.0.0.1", "{port}"],
        None,
        workdir / "moto.log",
        lambda port: f"http://localhost:{port}/moto-api/",
    )
    try:
        yield f"http://localhost:{port}"
    finally:
        process.terminate()
        process.wait(10)


@dataclass
class Registry:
    url: str  # with a trailing slash, as npm config wants it
    backend: str
    log: Path
    pid: int | None = None  # the server's supervisor process, when the test started it
    aws_endpoint: str | None = None  # moto's server, on the AWS backend

    @property
    def host_key(self) -> str:
        """The `//host:port/` prefix npm matches credentials on."""
        return "//" + self.url.split("://", 1)[1]


@contextmanager
def tarbox_server(
    workdir: Path, env: Mapping[str, str], args: tuple[str, ...] = ()
) -> Iterator[Registry]:
    command = [sys.executable, "-m", "chalicelib.cli", "serve", "--port", "{port}", *args]
    port, process = started(
        [*command, "--data-dir", str(workdir / "data")],
        {**os.environ, **env},
        workdir / "tarbox.log",
        lambda port: f"http://127.0.0.1:{port}/-/ping",
    )
    try:
        yield Registry(
            f"http://127.0.0.1:{port}/",
            env.get("TARBOX_BACKEND", "embedded"),
            workdir / "tarbox.log",
            process.pid,
            env.get("TARBOX_AWS_ENDPOINT_URL"),
        )
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def tarbox_on(workdir: Path, backend: str, env: Mapping[str, str]) -> Iterator[Registry]:
    """`tarbox serve` on the embedded backend, or on the AWS one against a moto server of its
    own."""
    if backend == "embedded":
        with tarbox_server(workdir, env) as server:
            yield server
        return
    with moto_server(workdir) as endpoint:
        aws = {**AWS_ENV, **env, "TARBOX_AWS_ENDPOINT_URL": endpoint}
        with tarbox_server(workdir, aws) as server:
            yield server


def tarbox_command(
    *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """An operator's `tarbox …` command, run as its own process (as against a live server's
    data); never raises on its exit code."""
    return subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def add_user(registry: Registry, name: str, password: str = "correct horse") -> str:
    """Create an account through the couch adduser route; returns its token."""
    response = requests.put(
        f"{registry.url}-/user/org.couchdb.user:{name}",
        json={"name": name, "password": password, "email": f"{name}@example.com"},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["token"])


def pay(registry: Registry, kind: str, obj: dict[str, object], created: int | None = None) -> None:
    """Deliver one event as the payment provider does: signed, to the billing webhook."""
    body = stripe_events.event(kind, obj, created=created)
    response = requests.post(
        f"{registry.url}-/billing/stripe",
        data=body,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": stripe_events.signature(body, WEBHOOK_SECRET),
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text


def subscribe(registry: Registry, scope: str) -> None:
    """The owner of `scope` has paid for private packages."""
    checkout = stripe_events.checkout_completed(scope, f"sub_{scope}", f"cus_{scope}")
    pay(registry, "checkout.session.completed", checkout)


def cancel(registry: Registry, scope: str) -> None:
    deleted = stripe_events.subscription(f"sub_{scope}", f"cus_{scope}", "canceled")
    pay(registry, "customer.subscription.deleted", deleted)


@dataclass
class Result:
    code: int
    out: str

    def ok(self) -> Result:
        assert self.code == 0, self.out
        return self


@dataclass
class Workspace:
    """One user's machine: a HOME, a userconfig with the registry and token, and caches."""

    root: Path
    registry: Registry
    token: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.home = self.root / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.npmrc = self.home / ".npmrc"
        self.write_npmrc()

    def write_npmrc(self) -> None:
        lines = [f"registry={self.registry.url}"]
        if self.token:
            lines.append(f"{self.registry.host_key}:_authToken={self.token}")
        self.npmrc.write_text("\n".join(lines) + "\n")

    def env(self) -> dict[str, str]:
        env = {
            "PATH": f"{BIN}:{os.environ['PATH']}",
            "HOME": str(self.home),
            "npm_config_userconfig": str(self.npmrc),
            "npm_config_cache": str(self.root / "npm-cache"),
            "npm_config_update_notifier": "false",
            "npm_config_fund": "false",
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_DATA_HOME": str(self.home / ".local/share"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "COREPACK_ENABLE_STRICT": "0",
        }
        # Not a CI unless the test says so (extra_env): on one, yarn refuses to write a lockfile
        # (YN0028).
        return {**env, **self.extra_env}

    def project(self, name: str, package_json: dict[str, object] | None = None) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        body = package_json or {"name": name, "version": "1.0.0"}
        (path / "package.json").write_text(json.dumps(body, indent=2))
        return path

    def run(self, *args: str, cwd: Path | None = None, timeout: int = CLIENT_TIMEOUT) -> Result:
        """Run a command (npm, pnpm, yarn, node …) as this user; never raises on exit code."""
        executable = shutil.which(args[0], path=self.env()["PATH"]) or args[0]
        completed = subprocess.run(
            [executable, *args[1:]],
            cwd=cwd or self.root,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(completed.returncode, completed.stdout + completed.stderr)


def write_package(path: Path, manifest: dict[str, object], files: dict[str, str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "package.json").write_text(json.dumps(manifest, indent=2))
    for name, text in files.items():
        (path / name).write_text(text)
    return path


def a_library(root: Path, name: str, version: str = "1.0.0", **extra: object) -> Path:
    """A package whose `index.js` exports the string `NAME@VERSION`."""
    manifest = {"name": name, "version": version, "main": "index.js", **extra}
    files = {"index.js": f"module.exports = {json.dumps(name + '@' + version)};\n"}
    return write_package(root / f"{name.replace('/', '+')}-{version}", manifest, files)


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """An HTTP server of the test's own on 127.0.0.1, answering with `handler` on threads;
    yields its URL (no trailing slash)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def tampering_proxy(upstream: str, tamper: Callable[[str, bytes], bytes]) -> Iterator[str]:
    """A stand-in for whoever sits between npm and the registry (a mirror, a CDN, a proxy): it
    passes GETs on to `upstream` and hands every answer's body to `tamper(path, body)`. Yields
    its URL, with a trailing slash as npm config wants it."""

    class Relay(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            # Uncompressed, so the body can be changed; the Host is kept, so the registry's
            # URLs in what it answers name this proxy.
            headers = {k: v for k, v in self.headers.items() if k.lower() != "accept-encoding"}
            answer = requests.get(upstream.rstrip("/") + self.path, headers=headers, timeout=30)
            body = tamper(self.path, answer.content)
            self.send_response(answer.status_code)
            for key in ("Content-Type", "Cache-Control", "ETag"):
                if key in answer.headers:
                    self.send_header(key, answer.headers[key])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serving(Relay) as url:
        yield f"{url}/"
