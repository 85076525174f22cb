"""`tarbox import DIR`: a `tarbox export` written into this registry, through its ports, so an
export of either backend imports into either (the embedded registry's way to AWS).

Into a new registry only: one with no packages, users or orgs, or one that an earlier run of
this same import left unfinished. Such a run is picked up where it stopped: its progress is a
blob (`import/state.json`), every record is created only where it is missing, and one that is
already here is skipped when it is the export's and reported when it is not (never overwritten).
Password hashes, token hashes and two-factor secrets come along, so every login and token of
the old registry works on the new one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TypeVar

from chalicelib.backup.layout import ExportFormatError, ExportReader, decode
from chalicelib.backup.package import ImportConflictError, restore_package
from chalicelib.clock import now_iso
from chalicelib.errors import ConflictError, InvalidPayloadError, RegistryError
from chalicelib.packuments.names import scope_of
from chalicelib.registry import Registry
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.ports.changes import ChangeLog
from chalicelib.storage.ports.hooks import HookStore
from chalicelib.storage.ports.orgs import OrgStore
from chalicelib.storage.records import (
    JSON,
    HookRecord,
    OrgRecord,
    PackageRecord,
    PlanRecord,
    SubscriptionRecord,
    TokenRecord,
    UserRecord,
    VersionRecord,
)

Progress = Callable[[str], None]
STATE_KEY = "import/state.json"
_DOWNLOAD_BATCH = 500
R = TypeVar("R")


class ImportIncompleteError(RegistryError):
    """Some records were not imported (listed); the rest were."""


@dataclass
class ImportSummary:
    imported: dict[str, int] = field(default_factory=dict)
    versions: int = 0
    already: int = 0  # records an earlier run of this import wrote
    failed: list[str] = field(default_factory=list)

    def count(self, kind: str) -> None:
        self.imported[kind] = self.imported.get(kind, 0) + 1

    def line(self) -> str:
        n = self.imported.get
        return (
            f"{n('packages', 0)} packages ({self.versions} versions), {n('users', 0)} users "
            f"({n('tokens', 0)} tokens), {n('orgs', 0)} orgs, {n('plans', 0)} plans, "
            f"{n('subscriptions', 0)} subscriptions, {n('hooks', 0)} hooks, "
            f"{n('downloads', 0)} download counts; {self.already} were here already"
        )


@dataclass
class _Run:
    registry: Registry
    reader: ExportReader
    state: JSON
    summary: ImportSummary

    def save(self) -> None:
        body = json.dumps(self.state).encode()
        self.registry.blobs.put(STATE_KEY, body, "application/json")

    @property
    def foreign(self) -> list[str]:
        """The names (users, orgs) the export has and this registry gives to someone else.
        Nothing of the export's is handed to them: not its members, maintainers, scopes, plans
        or hooks."""
        names: list[str] = self.state.setdefault("foreign", [])
        return names

    def refuse(self, why: str) -> None:
        self.summary.failed.append(why)

    def pending(self, kind: str) -> Iterator[JSON]:
        """The lines of `kind` no run has finished. A line counts as finished once the caller
        asks for the next one, and the state says so before anything else is written: a run
        stopped part way redoes at most the line it was on, so what a user of the new registry
        changed meanwhile (a dist-tag, a member removed, a token revoked) is not put back."""
        lines: JSON = self.state.setdefault("lines", {})
        done = int(lines.get(kind) or 0)
        for number, line in enumerate(self.reader.lines(kind), 1):
            if number <= done:
                continue
            yield line
            lines[kind] = number
            self.save()

    def create(
        self,
        kind: str,
        what: str,
        record: R,
        write: Callable[[R], None],
        stored: Callable[[R], object],
    ) -> bool:
        """`write` a new record. One that is here already is the export's when `stored(record)`
        equals it (an earlier run wrote it, as written: plans at version 1), else it is
        reported and left. True: the export's record is here now."""
        try:
            write(record)
        except ConflictError:
            if stored(record) != record:
                self.refuse(f"{what}: another one is here: left as it is")
                return False
            self.summary.already += 1
            return True
        self.summary.count(kind)
        return True


def import_registry(registry: Registry, root: Path, progress: Progress) -> ImportSummary:
    reader = ExportReader(root)
    state = _claim(registry, reader)
    # The records left out stay named on every later run: the import is not whole.
    run = _Run(registry, reader, state, ImportSummary(failed=state.setdefault("failed", [])))
    run.save()
    phases: dict[str, Callable[[_Run], None]] = {
        "users": _users,
        "orgs": _orgs,
        "plans": _billing,
        "downloads": _downloads,
        "packages": _packages,
        "hooks": _hooks,
    }
    for kind, phase in phases.items():
        if kind not in run.state["done"]:
            phase(run)
            run.state["done"].append(kind)
            run.save()
        progress(f"{kind}: done")
    _skip_hook_cursor(registry.hooks, registry.changes)
    run.state["finished"] = now_iso()
    run.save()
    if run.summary.failed:
        lines = [f"imported {root}: {run.summary.line()}"]
        lines += [f"  not imported: {why}" for why in run.summary.failed]
        raise ImportIncompleteError("\n".join(lines))
    return run.summary


def _claim(registry: Registry, reader: ExportReader) -> JSON:
    """This import's state: new in an empty registry, or the one an earlier run left."""
    raw = registry.blobs.get(STATE_KEY)
    if raw is not None:
        state: JSON = json.loads(raw)
        if state.get("export") == reader.id:
            return state
        raise ImportConflictError(
            f"this registry was filled from another export ({state.get('export')}): "
            "tarbox import fills a new registry"
        )
    if not _empty(registry):
        raise ImportConflictError(
            "this registry is not empty (it has packages, users or orgs): tarbox import fills a "
            "new registry"
        )
    return {"export": reader.id, "started": now_iso(), "done": [], "downloads": 0}


def _empty(registry: Registry) -> bool:
    if registry.changes.log_head().seq:
        return False
    no_user = next(iter(registry.accounts.all_users()), None) is None
    return no_user and next(iter(registry.orgs.all_orgs()), None) is None


def _users(run: _Run) -> None:
    accounts = run.registry.accounts
    for line in run.pending("users"):
        user = decode(UserRecord, line.get("user"))
        stored = run.create(
            "users", f"user {user.name}", user, accounts.create_user, _stored_user(accounts)
        )
        if not stored:
            run.foreign.append(user.name)  # someone else's account: nothing of the export's
            continue
        for raw in line.get("tokens") or []:
            _token(run, decode(TokenRecord, raw))


def _token(run: _Run, token: TokenRecord) -> None:
    accounts = run.registry.accounts
    stored = accounts.get_token(token.key)
    if stored is None:
        accounts.put_token(token)
        run.summary.count("tokens")
    elif stored == token:
        run.summary.already += 1
    else:
        run.refuse(f"a token of {token.user}: another one is here: left as it is")


def _orgs(run: _Run) -> None:
    orgs = run.registry.orgs
    for line in run.pending("orgs"):
        org = decode(OrgRecord, line.get("org"))
        members = _members(run, org.name, dict(line.get("members") or {}))
        owner = next((user for user, role in members.items() if role == "owner"), None)
        if owner is None:
            run.foreign.append(org.name)
            run.refuse(f"org {org.name}: none of its owners in the export is here")
            continue
        write = partial(_create_org, orgs, owner)
        if not run.create("orgs", f"org {org.name}", org, write, lambda o: orgs.get_org(o.name)):
            run.foreign.append(org.name)
            continue
        for user, role in members.items():
            orgs.set_member(org.name, user, role)
        _teams(run, org.name, dict(line.get("teams") or {}))


def _members(run: _Run, org: str, members: JSON) -> dict[str, str]:
    kept = {str(user): str(role) for user, role in members.items() if user not in run.foreign}
    for user in sorted(members.keys() - kept.keys()):
        run.refuse(f"org {org}: member {user} left out: the {user} here is not the export's")
    return kept


def _teams(run: _Run, org: str, teams: JSON) -> None:
    orgs = run.registry.orgs
    here = orgs.teams(org)
    for team, doc in teams.items():
        if team not in here:
            orgs.create_team(org, team, str(doc.get("description") or ""))
        for user in doc.get("members") or []:
            if user not in run.foreign:
                orgs.add_team_member(org, team, str(user))
        for package, permission in dict(doc.get("packages") or {}).items():
            orgs.grant(org, team, package, str(permission))


def _billing(run: _Run) -> None:
    """Plans and subscriptions, each written at version 1: its compare-and-swap count starts
    again here."""
    billing = run.registry.billing
    for line in run.pending("plans"):
        plan = replace(decode(PlanRecord, line), version=1)
        what = f"the plan of @{plan.scope}"
        if plan.scope in run.foreign:
            run.refuse(f"{what}: @{plan.scope} here is someone else's")
            continue
        run.create("plans", what, plan, billing.put_plan, lambda p: billing.get_plan(p.scope))
    for line in run.pending("subscriptions"):
        sub = replace(decode(SubscriptionRecord, line), version=1)
        run.create(
            "subscriptions",
            f"subscription {sub.id}",
            sub,
            billing.put_subscription,
            lambda s: billing.get_subscription(s.id),
        )


def _stored_user(accounts: AccountStore) -> Callable[[UserRecord], UserRecord | None]:
    return lambda user: accounts.get_user(user.name)


def _create_org(orgs: OrgStore, owner: str, org: OrgRecord) -> None:
    orgs.create_org(org, owner)


def _downloads(run: _Run) -> None:
    """Counts add up, so a batch must not be added twice: the state says how many lines are in,
    after each batch of 500. (A run stopped inside a batch, or between a batch and its note,
    adds that batch again when it carries on: up to 500 counts twice.)"""
    done = int(run.state.get("downloads") or 0)
    batch: dict[tuple[str, str, str], int] = {}
    number = done
    for number, line in enumerate(run.reader.lines("downloads"), 1):
        if number <= done:
            continue
        key, count = _count_line(line)
        batch[key] = batch.get(key, 0) + count
        if len(batch) >= _DOWNLOAD_BATCH:
            _add_counts(run, batch, number)
            batch = {}
    if batch:
        _add_counts(run, batch, number)


def _count_line(line: JSON) -> tuple[tuple[str, str, str], int]:
    try:
        key = (str(line["package"]), str(line["version"]), str(line["day"]))
        return key, int(line["count"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ExportFormatError(f"a download count in the export is malformed: {line}") from exc


def _add_counts(run: _Run, batch: dict[tuple[str, str, str], int], through: int) -> None:
    run.registry.downloads.add_counts(batch)
    run.state["downloads"] = through
    run.save()
    run.summary.imported["downloads"] = run.summary.imported.get("downloads", 0) + len(batch)


def _packages(run: _Run) -> None:
    missing = set(run.reader.manifest.get("missing_tarballs") or [])
    for line in run.pending("packages"):
        package = decode(PackageRecord, line.get("package"))
        versions = [decode(VersionRecord, v) for v in line.get("versions") or []]
        strangers = _strangers(run, package)
        if strangers:
            run.refuse(f"{package.name}: {strangers} here is not the export's: left out")
            continue
        try:
            written = restore_package(run.registry, run.reader, package, versions, missing)
        except (ConflictError, InvalidPayloadError) as exc:
            run.refuse(f"{package.name}: {exc.message}")
            continue
        if written:
            run.summary.count("packages")
            run.summary.versions += written
        else:
            run.summary.already += 1


def _strangers(run: _Run, package: PackageRecord) -> str:
    """Who here would hold the package without being who held it in the export."""
    scope = scope_of(package.name)
    names = [m.name for m in package.maintainers] + ([scope] if scope else [])
    return ", ".join(sorted({name for name in names if name in run.foreign}))


def _hooks(run: _Run) -> None:
    hooks = run.registry.hooks
    for line in run.pending("hooks"):
        hook = decode(HookRecord, line)
        if hook.owner in run.foreign:
            run.refuse(f"hook {hook.id}: its owner {hook.owner} here is not the export's")
            continue
        run.create(
            "hooks", f"hook {hook.id}", hook, hooks.create_hook, lambda h: hooks.get_hook(h.id)
        )


def _skip_hook_cursor(hooks: HookStore, changes: ChangeLog) -> None:
    """The imported writes carry no events; the dispatcher need not read them at all."""
    cursor = hooks.hook_cursor()
    head = changes.log_head().seq
    if head > cursor:
        hooks.move_hook_cursor(cursor, head)
