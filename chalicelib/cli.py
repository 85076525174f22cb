"""The `tarbox` command: `tarbox serve` starts the registry on this machine; `tarbox org`,
`tarbox plan`, `tarbox mirror`, `tarbox reindex`, `tarbox export`, `tarbox import`,
`tarbox fsck`, `tarbox advisories`, `tarbox keys` and `tarbox cache` are the operator's
commands, run against the configured backend."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.registry import Registry
    from chalicelib.settings import Settings
    from chalicelib.storage.ports.signing_keys import SigningKeyStore

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4873


# What the AWS backend needs and does not find: said in one line, not a traceback.
NO_CREDENTIALS = (
    "no AWS credentials found for the aws backend: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and"
    " AWS_SECRET_ACCESS_KEY (`make run` serves the embedded backend, which needs none;"
    " `make run-aws-local` the aws one against a local moto)"
)


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """`tarbox …`: the arguments, and the environment the settings are read from (the process's
    own unless given: tests pass theirs)."""
    env = os.environ if env is None else env
    args = _parser(env).parse_args(argv)
    from chalicelib.settings import SettingsError

    try:
        return _command(args, env)
    except SettingsError as exc:
        print(f"tarbox: {exc}", file=sys.stderr)
        return 2


def _command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if args.command == "serve":
        return _serve(args, env)
    operator_commands: dict[str, Callable[[Registry, argparse.Namespace], str]] = {
        "org": _create_org,
        "plan": _plan,
        "mirror": _mirror,
        "reindex": _reindex,
        "export": _export,
        "import": _import,
        "fsck": _fsck,
        "advisories": _advisories,
        "keys": _keys,
        "cache": _cache,
    }
    return _operator(args, env, operator_commands[args.command])


def _parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tarbox", description="A serverless npm registry.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the registry on this machine")
    serve.add_argument("--host", default=env.get("HOST") or DEFAULT_HOST)
    serve.add_argument("--port", type=int, default=int(env.get("PORT") or DEFAULT_PORT))
    serve.add_argument("--data-dir", default=env.get("TARBOX_DATA_DIR") or "./data")
    serve.add_argument(
        "--workers", type=int, default=0, help="worker processes (default: one per CPU)"
    )
    serve.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads per worker for writes and slow reads (default: 2 embedded, 16 on aws)",
    )
    data_dir = env.get("TARBOX_DATA_DIR") or "./data"
    org = commands.add_parser("org", help="operator commands for orgs")
    org_commands = org.add_subparsers(dest="org_command", required=True)
    create = org_commands.add_parser("create", help="create an org owned by an existing user")
    create.add_argument("name")
    create.add_argument("--owner", required=True)
    create.add_argument("--data-dir", default=data_dir)
    plan = commands.add_parser("plan", help="operator commands for private-package plans")
    plan_commands = plan.add_subparsers(dest="plan_command", required=True)
    show = plan_commands.add_parser("show", help="show a scope's plan and what it allows")
    show.add_argument("scope")
    show.add_argument("--data-dir", default=data_dir)
    change = plan_commands.add_parser(
        "set", help="set a scope's plan: active, canceled, or stripe (follow the subscription)"
    )
    change.add_argument("scope")
    change.add_argument("status")
    change.add_argument("--data-dir", default=data_dir)
    mirror = commands.add_parser(
        "mirror", help="copy another registry into this one, following its changes feed"
    )
    mirror.add_argument("--from", dest="source", required=True, help="the registry's URL")
    mirror.add_argument(
        "--scope", action="append", default=[], help="only packages in @SCOPE (repeatable)"
    )
    mirror.add_argument(
        "--token",
        default=env.get("TARBOX_MIRROR_TOKEN"),
        help="a read token for the source (or TARBOX_MIRROR_TOKEN): its private packages too",
    )
    mirror.add_argument("--data-dir", default=data_dir)
    _add_upkeep_commands(commands, data_dir)
    return parser


def _add_upkeep_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], data_dir: str
) -> None:
    """The commands that look after the data as a whole: reindex, export, import, fsck."""
    reindex = commands.add_parser(
        "reindex", help="rebuild the search index from every package (after an upgrade)"
    )
    reindex.add_argument("--data-dir", default=data_dir)
    export = commands.add_parser(
        "export", help="write the whole registry into a new directory (a backup, or a move)"
    )
    export.add_argument("directory")
    export.add_argument("--data-dir", default=data_dir)
    restore = commands.add_parser(
        "import", help="fill a new registry from a `tarbox export` directory"
    )
    restore.add_argument("directory")
    restore.add_argument("--data-dir", default=data_dir)
    fsck = commands.add_parser(
        "fsck", help="list blobs no record points to (crashed writes); --repair removes them"
    )
    fsck.add_argument("--repair", action="store_true", help="remove what is found")
    fsck.add_argument(
        "--grace",
        type=float,
        default=None,
        help="leave blobs younger than this many seconds (default: 600; a write in flight)",
    )
    fsck.add_argument("--data-dir", default=data_dir)
    advisories = commands.add_parser("advisories", help="the security advisories npm audit reads")
    advisory_commands = advisories.add_subparsers(dest="advisories_command", required=True)
    load = advisory_commands.add_parser(
        "import", help="load OSV advisories (a .json file, or a folder of them, searched deep)"
    )
    load.add_argument("path")
    load.add_argument("--data-dir", default=data_dir)
    keys = commands.add_parser("keys", help="the keys versions are signed with")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    for name, help in (
        ("list", "list the signing keys as npm reads them (GET /-/npm/v1/keys)"),
        ("rotate", "sign with a new key from now on; the old one stays listed, expiring"),
    ):
        key_command = key_commands.add_parser(name, help=help)
        key_command.add_argument("--data-dir", default=data_dir)
    cache = commands.add_parser(
        "cache", help="what the read-through cache keeps (TARBOX_UPSTREAMS)"
    )
    cache_commands = cache.add_subparsers(dest="cache_command", required=True)
    listing = cache_commands.add_parser("ls", help="the packages kept from upstreams")
    listing.add_argument("--data-dir", default=data_dir)
    purging = cache_commands.add_parser("purge", help="forget packages: fetched afresh next time")
    purging.add_argument("names", nargs="+", metavar="NAME")
    purging.add_argument("--data-dir", default=data_dir)
    for command, help in (
        ("pin", "keep versions here even when the upstream removes them"),
        ("unpin", "let versions follow the upstream again"),
    ):
        pinning = cache_commands.add_parser(command, help=help)
        pinning.add_argument("specs", nargs="+", metavar="NAME@VERSION")
        pinning.add_argument("--data-dir", default=data_dir)


def _operator(
    args: argparse.Namespace,
    env: Mapping[str, str],
    command: Callable[[Registry, argparse.Namespace], str],
) -> int:
    """Run an operator command against the configured backend (the environment selects AWS;
    otherwise the embedded data in --data-dir); domain errors print as `tarbox: …`, exit 1."""
    from dataclasses import replace

    from chalicelib import wiring
    from chalicelib.errors import RegistryError
    from chalicelib.settings import Settings

    settings = replace(Settings.from_env(env), data_dir=args.data_dir)
    _require_credentials(settings)
    wiring.use(settings)
    try:
        print(command(wiring.registry(), args))
    except RegistryError as exc:
        print(f"tarbox: {exc.message}", file=sys.stderr)
        return 1
    return 0


def _require_credentials(settings: Settings) -> None:
    from chalicelib import wiring
    from chalicelib.settings import SettingsError

    if settings.backend == "aws" and not wiring.aws_credentials_found():
        raise SettingsError(NO_CREDENTIALS)


def _create_org(registry: Registry, args: argparse.Namespace) -> str:
    """`tarbox org create NAME --owner USER`."""
    from chalicelib.orgs.service import create_org

    name = args.name.lstrip("@")
    create_org(registry.orgs, registry.accounts, name, args.owner)
    return f"created org @{name}, owned by {args.owner}"


def _plan(registry: Registry, args: argparse.Namespace) -> str:
    """`tarbox plan show SCOPE` and `tarbox plan set SCOPE STATUS`, printed as JSON."""
    from chalicelib.billing.plans import set_plan, show_plan

    scope = args.scope.lstrip("@")
    if args.plan_command == "set":
        return json.dumps(set_plan(registry, scope, args.status), indent=2)
    return json.dumps(show_plan(registry, scope), indent=2)


def _mirror(registry: Registry, args: argparse.Namespace) -> str:
    """`tarbox mirror --from URL [--scope S]…`: the progress on stderr, the summary printed."""
    from chalicelib.replication.mirror import Mirror, MirrorIncompleteError, Summary
    from chalicelib.replication.source import RegistrySource

    source = RegistrySource(args.source, args.token)
    scopes = tuple(scope.lstrip("@") for scope in args.scope)
    tty = sys.stderr.isatty()

    def progress(summary: Summary, total: int) -> None:
        if tty:
            done = min(summary.seen, total) if total else summary.seen
            filled = int(30 * done / total) if total else 0
            bar = "#" * filled + "." * (30 - filled)
            print(f"\r[{bar}] {done}/{total or '?'} {summary.line()}", end="", file=sys.stderr)
        elif summary.seen % 100 == 0:
            print(summary.line(), file=sys.stderr)

    summary = Mirror(registry, source, scopes).run(progress)
    if tty:
        print(file=sys.stderr)
    lines = [f"mirrored {source.url}: {summary.line()}"]
    lines += [
        f"  failed {name}: {why} (tried again next run)" for name, why in summary.failed.items()
    ]
    if summary.failed:
        raise MirrorIncompleteError("\n".join(lines))
    return lines[0]


def _export(registry: Registry, args: argparse.Namespace) -> str:
    """`tarbox export DIR`: progress on stderr, the summary printed."""
    from pathlib import Path

    from chalicelib.backup.export import export_registry

    summary = export_registry(registry, Path(args.directory), _say)
    lines = [f"exported to {args.directory}: {summary.line()}"]
    lines += [f"  {what}: its tarball was already gone here" for what in summary.missing]
    return "\n".join(lines)


def _import(registry: Registry, args: argparse.Namespace) -> str:
    """`tarbox import DIR`: progress on stderr, the summary printed; exit 1 when some records
    were left out (each named)."""
    from pathlib import Path

    from chalicelib.backup.restore import import_registry

    summary = import_registry(registry, Path(args.directory), _say)
    return f"imported {args.directory}: {summary.line()}"


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _reindex(registry: Registry, args: argparse.Namespace) -> str:
    """`tarbox reindex`: every package the change log names, indexed again."""
    from chalicelib.search.indexing import reindex

    count = reindex(registry, lambda done: print(f"{done} packages indexed", file=sys.stderr))
    return f"indexed {count} packages for search"


def _fsck(registry: Registry, args: argparse.Namespace) -> str:
    """`tarbox fsck [--repair] [--grace SECONDS]`: the leftovers, one per line, and a count."""
    from chalicelib.fsck import GRACE, find_leftovers, repair, report

    grace = GRACE if args.grace is None else args.grace
    leftovers = find_leftovers(registry, grace)
    return report(leftovers, repair(registry, leftovers, grace) if args.repair else None)


def _advisories(registry: Registry, args: argparse.Namespace) -> str:
    """`tarbox advisories import PATH`: OSV documents (the GitHub Advisory Database's format)."""
    from chalicelib.audit.osv import import_advisories

    files, count = import_advisories(registry.advisories, args.path)
    return f"imported {count} npm advisories from {files} files"


def _cache(registry: Registry, args: argparse.Namespace) -> str:
    """`tarbox cache ls`: one line per package kept; `tarbox cache purge NAME…`; `tarbox cache
    pin|unpin NAME@VERSION…`."""
    from datetime import UTC, datetime

    from chalicelib.clock import iso
    from chalicelib.errors import InvalidPayloadError, NotFoundError
    from chalicelib.upstream.cache import cached_packages, purge
    from chalicelib.upstream.pins import pin, unpin

    if args.cache_command == "purge":
        missing = [name for name in args.names if not purge(registry.blobs, name)]
        if missing:
            raise NotFoundError(f"nothing was kept of {', '.join(missing)}")
        return f"purged {len(args.names)} packages"
    if args.cache_command in ("pin", "unpin"):
        for spec in args.specs:
            name, at, version = spec.rpartition("@")
            if not (name and at and version):
                raise InvalidPayloadError(f"{spec!r} is not NAME@VERSION")
            if args.cache_command == "pin":
                pin(registry, name, version)
            else:
                unpin(registry.blobs, name, version)
        return f"{args.cache_command}ned {', '.join(args.specs)}"
    kept = cached_packages(registry.blobs)
    lines = [
        f"{p.name}\tfetched {iso(datetime.fromtimestamp(p.fetched, UTC))}\t{p.tarballs} tarballs"
        + (f"\tpinned {' '.join(p.pinned)}" if p.pinned else "")
        for p in kept
    ]
    return "\n".join([*lines, f"{len(kept)} packages kept from upstreams"])


def _keys(registry: Registry, args: argparse.Namespace) -> str:
    """`tarbox keys list|rotate`: one line per key, newest first."""
    from chalicelib.errors import NotFoundError
    from chalicelib.signatures.keys import describe, rotate

    store = registry.signing_keys
    if store is None:
        raise NotFoundError("This registry does not sign packages: set TARBOX_SIGNING_KEYS_SECRET")
    if args.keys_command == "rotate":
        rotate(store)
    keys = store.load(fresh=True).keys
    return "\n".join(describe(key) for key in keys) or "no signing keys yet (made on first use)"


def _serve(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from chalicelib import wiring
    from chalicelib.server.serve import (
        ServeOptions,
        check_port,
        default_workers,
        serve,
        serve_environment,
    )
    from chalicelib.settings import Settings, SettingsError

    check_port(args.host, args.port)
    backend = Settings.from_env({**env, "TARBOX_DATA_DIR": args.data_dir}).backend
    workers = args.workers or default_workers()
    if backend == "memory":
        # Its stores live in one process: a second worker would answer from an empty registry
        # of its own (a publish to one, then an install from the other, would 404).
        if args.workers > 1:
            raise SettingsError(
                "the memory backend keeps everything in one process: serve it with --workers 1"
            )
        workers = 1
    options = ServeOptions(args.host, args.port, workers, args.threads)
    # The command line as settings, in the environment's terms: the workers read theirs from it
    # (serve() hands it over).
    served = {**env, "TARBOX_DATA_DIR": args.data_dir, **serve_environment(options)}
    if "TARBOX_COMMIT" not in served:
        served["TARBOX_COMMIT"] = _git_commit()
    settings = Settings.from_env(served)
    _require_credentials(settings)
    wiring.use(settings)
    where = {
        "aws": settings.table_name,
        "memory": "nothing kept when it stops",
    }.get(settings.backend) or os.path.abspath(settings.data_dir)
    print(
        f"tarbox ({settings.backend}: {where}) on http://{args.host}:{args.port}"
        f" ({workers} workers)",
        flush=True,
    )
    # On the memory backend the worker's keys are its own, made on first use: this process's
    # would be another registry's.
    if settings.backend != "memory":
        _say_signing_key(wiring.registry().signing_keys)
    if args.host in ("0.0.0.0", "::") and not settings.public_url:  # noqa: S104
        print(
            "tarbox: tarball URLs will name 127.0.0.1; set TARBOX_PUBLIC_URL to the URL other"
            " machines use (http://<this host>:<port>)",
            file=sys.stderr,
            flush=True,
        )
    serve(options, served)
    return 0


def _say_signing_key(store: SigningKeyStore | None) -> None:
    """Made here on first start if there is none yet, so it exists before any worker signs."""
    from chalicelib.signatures.keys import current_key

    if store is not None:
        print(f"tarbox: versions are signed with key {current_key(store).keyid}", flush=True)


def _git_commit() -> str:
    """The checkout's commit, for /-/status; "unknown" outside a git checkout."""
    import subprocess

    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, if any
            cwd=os.path.dirname(os.path.abspath(__file__)),
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return found.stdout.strip() or "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
