"""Private packages with the real npm, on both backends: the payment provider's webhook opens
them for an org, an owner shares one with a team, its member installs it, nobody else can see
it, and when the plan lapses private publishing stops (402) while installs keep working."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.harness import (
    ROOT,
    Registry,
    Result,
    Workspace,
    a_library,
    add_user,
    cancel,
    subscribe,
    tarbox_server,
    unique,
)


def machine(tmp_path: Path, registry: Registry, who: str) -> tuple[str, Workspace]:
    name = unique(who)
    return name, Workspace(tmp_path / who, registry, token=add_user(registry, name))


def install(machine: Workspace, name: str, project: str) -> Result:
    app = machine.project(project, {"name": project, "version": "1.0.0"})
    return machine.run("npm", "install", name, cwd=app)


def loads(machine: Workspace, project: str, name: str) -> str:
    script = f"console.log(require({json.dumps(name)}))"
    return machine.run("node", "-e", script, cwd=machine.root / project).ok().out.strip()


def test_an_orgs_private_package_from_plan_to_lapse(tmp_path: Path, registry: Registry) -> None:
    owner, o = machine(tmp_path, registry, "owner")
    member, m = machine(tmp_path, registry, "member")
    _, outsider = machine(tmp_path, registry, "outsider")
    anonymous = Workspace(tmp_path / "anonymous", registry)
    org = unique("private")
    secret = f"@{org}/secret"

    # an org (claimed with a public package) without a plan cannot publish privately
    o.run("npm", "publish", "--access", "public", cwd=a_library(o.root, f"@{org}/open")).ok()
    refused = o.run("npm", "publish", cwd=a_library(o.root, secret))
    assert refused.code != 0 and "402" in refused.out
    assert "You must sign up for private packages" in refused.out

    # the payment provider tells the registry the org paid; scoped packages are private by default
    subscribe(registry, org)
    o.run("npm", "publish", cwd=a_library(o.root / "paid", secret)).ok()
    assert f"{secret}: private" in o.run("npm", "access", "get", "status", secret).ok().out

    # the owner adds a member and shares the package with a team (and not with everyone)
    o.run("npm", "org", "set", org, member).ok()
    o.run("npm", "access", "revoke", f"@{org}:developers", secret).ok()
    assert "E404" in install(m, secret, "before").out
    o.run("npm", "team", "create", f"@{org}:readers").ok()
    o.run("npm", "team", "add", f"@{org}:readers", member).ok()
    o.run("npm", "access", "grant", "read-only", f"@{org}:readers", secret).ok()

    # the member installs it; read-only means no publishing
    install(m, secret, "app").ok()
    assert loads(m, "app", secret) == f"{secret}@1.0.0"
    denied = m.run("npm", "publish", cwd=a_library(m.root, secret, "1.0.1"))
    assert denied.code != 0 and "403" in denied.out
    listed = json.loads(m.run("npm", "access", "list", "packages", f"@{org}", "--json").ok().out)
    # with the member's own access: the developers team writes the open one, readers read
    assert listed == {f"@{org}/open": "read-write", secret: "read-only"}
    collaborators = json.loads(
        o.run("npm", "access", "list", "collaborators", secret, "--json").ok().out
    )
    assert collaborators == {owner: "read-write", member: "read-only"}

    # nobody else can see it, or tell it from a package that does not exist
    for stranger in (outsider, anonymous):
        for command in (("view", secret), ("view", f"@{org}/absent")):
            result = stranger.run("npm", *command)
            assert result.code != 0 and "E404" in result.out, result.out
        assert "E404" in install(stranger, secret, "attempt").out
        assert secret not in stranger.run("npm", "access", "list", "packages", f"@{org}").out

    # the plan lapses: no more private publishing, but nothing is lost, exposed or uninstallable
    cancel(registry, org)
    again = o.run("npm", "publish", cwd=a_library(o.root / "v2", secret, "1.1.0"))
    assert again.code != 0 and "402" in again.out and "lapsed" in again.out
    fresh = o.run("npm", "publish", cwd=a_library(o.root, f"@{org}/another"))
    assert fresh.code != 0 and "402" in fresh.out
    elsewhere = Workspace(tmp_path / "member-laptop", registry, token=m.token)  # a fresh cache
    late = install(elsewhere, secret, "after")
    late.ok()
    assert "npm notice" in late.out and "lapsed" in late.out
    assert loads(elsewhere, "after", secret) == f"{secret}@1.0.0"
    assert "E404" in install(outsider, secret, "still-not").out
    assert f"{secret}: private" in o.run("npm", "access", "get", "status", secret).ok().out
    # publishing in public stays open
    o.run(
        "npm",
        "publish",
        "--access",
        "public",
        cwd=a_library(o.root / "v3", f"@{org}/open", "1.1.0"),
    ).ok()


def test_a_user_switches_a_package_private_and_back(tmp_path: Path, registry: Registry) -> None:
    alice, a = machine(tmp_path, registry, "alice")
    package = f"@{alice}/lib"
    a.run("npm", "publish", "--access", "public", cwd=a_library(a.root, package)).ok()
    refused = a.run("npm", "access", "set", "status=private", package)
    assert refused.code != 0 and "402" in refused.out

    subscribe(registry, alice)
    a.run("npm", "access", "set", "status=private", package).ok()
    anonymous = Workspace(tmp_path / "anonymous", registry)
    assert "E404" in anonymous.run("npm", "view", package).out
    assert json.loads(a.run("npm", "access", "list", "packages", "--json").ok().out) == {
        package: "read-write"
    }
    a.run("npm", "access", "set", "status=public", package).ok()
    assert anonymous.run("npm", "view", package, "name").ok().out.strip() == package


def tarbox(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """An operator's command against a running server's embedded data (SQLite allows both)."""
    command = [sys.executable, "-m", "chalicelib.cli", *args, "--data-dir", str(data_dir)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_an_operator_grants_a_plan_on_one_machine(tmp_path: Path) -> None:
    with tarbox_server(tmp_path, {}) as server:
        name = unique("solo")
        me = Workspace(tmp_path / "me", server, token=add_user(server, name))
        package = f"@{name}/tool"
        assert "402" in me.run("npm", "publish", cwd=a_library(me.root, package)).out

        granted = tarbox(tmp_path / "data", "plan", "set", name, "active")
        assert granted.returncode == 0, granted.stderr
        assert json.loads(granted.stdout)["standing"] == "active"
        me.run("npm", "publish", cwd=a_library(me.root / "again", package)).ok()
        assert f"{package}: private" in me.run("npm", "access", "get", "status", package).out

        shown = json.loads(tarbox(tmp_path / "data", "plan", "show", name).stdout)
        assert shown["source"] == "operator" and shown["private_publishing"] is True
        bad = tarbox(tmp_path / "data", "plan", "set", name, "gold")
        assert bad.returncode == 1 and bad.stderr.startswith("tarbox: A plan can be set to")
        assert tarbox(tmp_path / "data", "plan", "show", "nobody-at-all").returncode == 1
        tarbox(tmp_path / "data", "plan", "set", name, "canceled")
        late = me.run("npm", "publish", cwd=a_library(me.root / "late", package, "1.1.0"))
        assert late.code != 0 and "402" in late.out
