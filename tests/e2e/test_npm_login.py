"""Accounts through npm's username/password prompts (`--auth-type=legacy`; the default web login
is tests/e2e/test_web_login.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pexpect

from tests.e2e.harness import Registry, Workspace, unique

PROMPT_TIMEOUT = 60


def answer_prompts(workspace: Workspace, command: str, answers: list[tuple[str, str]]) -> str:
    npm = shutil.which("npm", path=workspace.env()["PATH"]) or "npm"
    child = pexpect.spawn(
        npm,
        [command, "--auth-type=legacy"],
        env=workspace.env(),
        cwd=str(workspace.root),
        encoding="utf-8",
        timeout=PROMPT_TIMEOUT,
    )
    for prompt, reply in answers:
        child.expect(prompt)
        child.sendline(reply)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return str(child.before)


def test_adduser_then_login_through_the_prompts(tmp_path: Path, registry: Registry) -> None:
    name, password = unique("prompted"), "s3cret-pass"
    first = Workspace(tmp_path / "first", registry)
    out = answer_prompts(
        first,
        "adduser",
        [("Username:", name), ("Password:", password), ("Email", f"{name}@example.com")],
    )
    assert f"Logged in on {registry.url}" in out or "Logged in" in out
    assert first.run("npm", "whoami").ok().out.strip() == name
    assert "_authToken=" in first.npmrc.read_text()

    # a second machine logs in to the same account
    second = Workspace(tmp_path / "second", registry)
    answer_prompts(second, "login", [("Username:", name), ("Password:", password)])
    assert second.run("npm", "whoami").ok().out.strip() == name


def test_login_with_a_wrong_password_fails(
    tmp_path: Path, registry: Registry, user: tuple[str, str]
) -> None:
    workspace = Workspace(tmp_path / "w", registry)
    npm = shutil.which("npm", path=workspace.env()["PATH"]) or "npm"
    child = pexpect.spawn(
        npm,
        ["login", "--auth-type=legacy"],
        env=workspace.env(),
        encoding="utf-8",
        timeout=PROMPT_TIMEOUT,
    )
    child.expect("Username:")
    child.sendline(user[0])
    child.expect("Password:")
    child.sendline("not the password")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus != 0
    assert "401" in str(child.before) or "Incorrect" in str(child.before)
    assert workspace.run("npm", "whoami").code != 0
