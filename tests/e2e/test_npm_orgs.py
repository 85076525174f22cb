"""`npm org` and `npm team` with the real npm; orgs made by claiming a scope or by an operator."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.e2e.harness import (
    Registry,
    Workspace,
    a_library,
    add_user,
    tarbox_command,
    tarbox_server,
    unique,
)


def machine(tmp_path: Path, registry: Registry, who: str) -> tuple[str, Workspace]:
    name = unique(who)
    return name, Workspace(tmp_path / who, registry, token=add_user(registry, name))


def test_org_members_and_teams(tmp_path: Path, registry: Registry) -> None:
    alice, a = machine(tmp_path, registry, "alice")
    bob, b = machine(tmp_path, registry, "bob")
    carol, c = machine(tmp_path, registry, "carol")
    org = unique("org")

    # publishing into an unowned scope makes it an org, owned by the publisher
    a.run("npm", "publish", "--access", "public", cwd=a_library(a.root, f"@{org}/first")).ok()
    assert json.loads(a.run("npm", "org", "ls", org, "--json").ok().out) == {alice: "owner"}

    assert "You now have 2 members" in a.run("npm", "org", "set", org, bob, "admin").ok().out
    b.run("npm", "team", "create", f"@{org}:devs").ok()
    refused = b.run("npm", "team", "add", f"@{org}:devs", carol)  # not a member yet
    assert refused.code != 0
    # only owners add members (npmjs); admins manage teams
    assert "403" in b.run("npm", "org", "set", org, carol).out
    a.run("npm", "org", "set", org, carol).ok()  # developer by default
    b.run("npm", "team", "add", f"@{org}:devs", carol).ok()
    teams = json.loads(c.run("npm", "team", "ls", f"@{org}", "--json").ok().out)
    assert sorted(teams) == [f"{org}:developers", f"{org}:devs"]
    assert json.loads(c.run("npm", "team", "ls", f"@{org}:devs", "--json").ok().out) == [carol]

    # developers publish into the org's scope, but do not manage it
    c.run("npm", "publish", "--access", "public", cwd=a_library(c.root, f"@{org}/second")).ok()
    assert c.run("npm", "org", "set", org, unique("nobody")).code != 0
    assert "403" in c.run("npm", "team", "create", f"@{org}:mine").out

    # leaving the org means leaving its teams, and its scope
    a.run("npm", "org", "rm", org, carol).ok()
    assert json.loads(a.run("npm", "team", "ls", f"@{org}:devs", "--json").ok().out) == []
    gone = c.run(
        "npm", "publish", "--access", "public", cwd=a_library(c.root / "x", f"@{org}/third")
    )
    assert gone.code != 0 and "403" in gone.out
    b.run("npm", "team", "destroy", f"@{org}:devs").ok()
    assert json.loads(a.run("npm", "team", "ls", f"@{org}", "--json").ok().out) == [
        f"{org}:developers"
    ]
    last = a.run("npm", "org", "rm", org, alice)
    assert last.code != 0 and "An org must keep at least one owner" in last.out


def operator_create(data_dir: Path, org: str, owner: str) -> subprocess.CompletedProcess[str]:
    """`tarbox org create` against a running server's embedded data (SQLite allows both)."""
    return tarbox_command("org", "create", org, "--owner", owner, "--data-dir", str(data_dir))


def test_operator_creates_an_org(tmp_path: Path) -> None:
    with tarbox_server(tmp_path, {}) as server:
        token = add_user(server, "opsowner")
        org = unique("ops")
        created = operator_create(tmp_path / "data", org, "opsowner")
        assert created.returncode == 0, created.stderr
        owner = Workspace(tmp_path / "owner", server, token=token)
        assert json.loads(owner.run("npm", "org", "ls", org, "--json").ok().out) == {
            "opsowner": "owner"
        }
        again = operator_create(tmp_path / "data", org, "opsowner")
        assert again.returncode == 1 and again.stderr.startswith("tarbox: ")


def test_team_grants_decide_who_writes_org_packages(tmp_path: Path, registry: Registry) -> None:
    alice, a = machine(tmp_path, registry, "alice")
    bob, b = machine(tmp_path, registry, "bob")
    org = unique("grants")
    package = f"@{org}/lib"
    a.run("npm", "publish", "--access", "public", cwd=a_library(a.root, package)).ok()
    a.run("npm", "org", "set", org, bob).ok()
    # npm's default: the developers team (every member) may write every new org package
    developers = json.loads(
        a.run("npm", "access", "list", "packages", f"@{org}:developers", "--json").ok().out
    )
    assert developers == {package: "read-write"}
    a.run("npm", "access", "revoke", f"@{org}:developers", package).ok()
    refused = b.run("npm", "publish", cwd=a_library(b.root, package, "1.1.0"))
    assert refused.code != 0 and "403" in refused.out

    a.run("npm", "team", "create", f"@{org}:core").ok()
    a.run("npm", "team", "add", f"@{org}:core", bob).ok()
    a.run("npm", "access", "grant", "read-write", f"@{org}:core", package).ok()
    listed = json.loads(
        a.run("npm", "access", "list", "packages", f"@{org}:core", "--json").ok().out
    )
    assert listed == {package: "read-write"}
    collaborators = json.loads(
        a.run("npm", "access", "list", "collaborators", package, "--json").ok().out
    )
    assert collaborators == {alice: "read-write", bob: "read-write"}
    b.run("npm", "publish", cwd=a_library(b.root / "b", package, "1.1.0")).ok()

    a.run("npm", "access", "revoke", f"@{org}:core", package).ok()
    again = b.run("npm", "publish", cwd=a_library(b.root / "c", package, "1.2.0"))
    assert again.code != 0 and "403" in again.out
