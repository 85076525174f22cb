"""`npm token list|create|revoke` with the real npm: read-only, CIDR-limited and granular tokens."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.harness import Registry, Workspace, a_library, add_user, unique

PASSWORD = "correct horse"  # harness.add_user's default


def token_workspace(root: Path, registry: Registry, token: str) -> Workspace:
    return Workspace(root, registry, token=token)


def create(workspace: Workspace, *flags: str) -> str:
    out = (
        workspace.run("npm", "token", "create", f"--password={PASSWORD}", "--json", *flags).ok().out
    )
    return str(json.loads(out[out.index("{") :])["token"])


def test_create_list_use_and_revoke(tmp_path: Path, registry: Registry) -> None:
    name = unique("tok")
    me = Workspace(tmp_path / "me", registry, token=add_user(registry, name))
    token = create(me, "--name=ci")
    listed = json.loads(me.run("npm", "token", "list", "--json").ok().out)
    created = [t for t in listed if t["name"] == "ci"]
    assert (
        len(created) == 1 and token.startswith(created[0]["token"]) and token != created[0]["token"]
    )

    ci = token_workspace(tmp_path / "ci", registry, token)
    assert ci.run("npm", "whoami").ok().out.strip() == name
    ci.run("npm", "publish", cwd=a_library(ci.root, unique("tok-pkg"))).ok()

    me.run("npm", "token", "revoke", created[0]["key"][:10]).ok()
    refused = ci.run("npm", "whoami")
    assert refused.code != 0 and "401" in refused.out


def test_a_wrong_password_creates_nothing(workspace: Workspace) -> None:
    result = workspace.run("npm", "token", "create", "--password=nope", "--name=x")
    assert result.code != 0 and "401" in result.out


def test_read_only_tokens_cannot_write(tmp_path: Path, registry: Registry) -> None:
    name = unique("ro")
    me = Workspace(tmp_path / "me", registry, token=add_user(registry, name))
    package = unique("ro-pkg")
    me.run("npm", "publish", cwd=a_library(me.root, package)).ok()
    token = create(me, "--name=reader", "--packages-and-scopes-permission=read-only")
    reader = token_workspace(tmp_path / "reader", registry, token)
    assert reader.run("npm", "whoami").ok().out.strip() == name
    reader.run("npm", "view", package, "version").ok()
    refused = reader.run("npm", "publish", cwd=a_library(reader.root, package, "2.0.0"))
    assert refused.code != 0 and "403" in refused.out and "read-only" in refused.out
    tag = reader.run("npm", "dist-tag", "add", f"{package}@1.0.0", "stable")
    assert tag.code != 0 and "403" in tag.out


def test_cidr_allow_list_is_checked_against_the_client(tmp_path: Path, registry: Registry) -> None:
    me = Workspace(tmp_path / "me", registry, token=add_user(registry, unique("cidr")))
    inside = token_workspace(
        tmp_path / "in", registry, create(me, "--name=lo", "--cidr=127.0.0.0/8")
    )
    assert inside.run("npm", "whoami").code == 0
    outside = token_workspace(
        tmp_path / "out", registry, create(me, "--name=far", "--cidr=10.0.0.0/8")
    )
    refused = outside.run("npm", "whoami")
    assert refused.code != 0 and "IP address" in refused.out  # npm's EAUTHIP message


def test_granular_tokens_write_only_their_packages(tmp_path: Path, registry: Registry) -> None:
    me = Workspace(tmp_path / "me", registry, token=add_user(registry, unique("gran")))
    mine, other = unique("gran-a"), unique("gran-b")
    token = create(
        me, "--name=one", f"--packages={mine}", "--packages-and-scopes-permission=read-write"
    )
    limited = token_workspace(tmp_path / "limited", registry, token)
    limited.run("npm", "publish", cwd=a_library(limited.root, mine)).ok()
    refused = limited.run("npm", "publish", cwd=a_library(limited.root, other))
    assert refused.code != 0 and "403" in refused.out
