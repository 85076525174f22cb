"""`npm profile` and two-factor auth with the real npm: prompts answered through a terminal,
one-time passwords computed from the secret npm prints, as an authenticator app would."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pexpect
import pyotp

from tests.e2e.harness import Registry, Workspace, a_library, add_user, unique

PASSWORD = "correct horse"
TIMEOUT = 60


def spawn(workspace: Workspace, *args: str) -> pexpect.spawn:
    npm = shutil.which("npm", path=workspace.env()["PATH"]) or "npm"
    return pexpect.spawn(
        npm,
        list(args),
        env=workspace.env(),
        cwd=str(workspace.root),
        encoding="utf-8",
        timeout=TIMEOUT,
    )


def finish(child: pexpect.spawn) -> str:
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return str(child.before)


def enable_2fa(workspace: Workspace, mode: str) -> pyotp.TOTP:
    child = spawn(workspace, "profile", "enable-2fa", mode)
    child.expect("password:")
    child.sendline(PASSWORD)
    child.expect(r"Or enter code:\s+([A-Z2-7]+)")
    totp = pyotp.TOTP(child.match.group(1))
    child.expect("OTP code from your authenticator")
    child.sendline(totp.now())
    out = finish(child)
    assert "2FA successfully enabled" in out
    assert len(re.findall(r"\t([0-9a-f]{10})", out)) == 5  # recovery codes
    return totp


def test_profile_get_and_set(tmp_path: Path, registry: Registry) -> None:
    name = unique("prof")
    me = Workspace(tmp_path / "me", registry, token=add_user(registry, name))
    got = me.run("npm", "profile", "get").ok().out
    assert name in got and f"{name}@example.com" in got and "disabled" in got
    assert (
        "Set fullname to Alice Example"
        in me.run("npm", "profile", "set", "fullname", "Alice Example").ok().out
    )
    assert "Alice Example" in me.run("npm", "profile", "get", "fullname").ok().out


def test_password_change_asks_for_the_old_one(tmp_path: Path, registry: Registry) -> None:
    name = unique("pw")
    me = Workspace(tmp_path / "me", registry, token=add_user(registry, name))
    child = spawn(me, "profile", "set", "password")
    child.expect("Current password:")
    child.sendline(PASSWORD)
    child.expect("New password:")
    child.sendline("a brand new one")
    child.expect("Again:")
    child.sendline("a brand new one")
    finish(child)
    login = spawn(Workspace(tmp_path / "new", registry), "login", "--auth-type=legacy")
    login.expect("Username:")
    login.sendline(name)
    login.expect("Password:")
    login.sendline("a brand new one")
    finish(login)


def test_auth_and_writes_needs_an_otp_to_publish_but_not_to_star(
    tmp_path: Path, registry: Registry
) -> None:
    name = unique("tfa")
    me = Workspace(tmp_path / "me", registry, token=add_user(registry, name))
    totp = enable_2fa(me, "auth-and-writes")
    assert "auth-and-writes" in me.run("npm", "profile", "get").ok().out

    package = unique("tfa-pkg")
    refused = me.run("npm", "publish", cwd=a_library(me.root, package))
    assert refused.code != 0 and "one-time password" in refused.out
    me.run("npm", "publish", f"--otp={totp.now()}", cwd=a_library(me.root, package)).ok()
    me.run("npm", "star", package).ok()  # exempt
    me.run("npm", "dist-tag", "add", f"{package}@1.0.0", "stable").ok()  # exempt: not latest

    child = spawn(me, "profile", "disable-2fa")
    child.expect("password:")
    child.sendline(PASSWORD)
    child.expect("Enter OTP:")
    child.sendline(totp.now())
    finish(child)
    assert "disabled" in me.run("npm", "profile", "get").ok().out


def test_login_with_two_factor_prompts_for_the_otp(tmp_path: Path, registry: Registry) -> None:
    name = unique("tfalogin")
    me = Workspace(tmp_path / "me", registry, token=add_user(registry, name))
    totp = enable_2fa(me, "auth-only")
    other = Workspace(tmp_path / "other", registry)
    child = spawn(other, "login", "--auth-type=legacy")
    child.expect("Username:")
    child.sendline(name)
    child.expect("Password:")
    child.sendline(PASSWORD)
    child.expect("Enter OTP:")
    child.sendline(totp.now())
    finish(child)
    assert other.run("npm", "whoami").ok().out.strip() == name


def test_access_set_mfa_makes_every_publish_ask_for_a_code(
    tmp_path: Path, registry: Registry
) -> None:
    name = unique("mfa")
    me = Workspace(tmp_path / "me", registry, token=add_user(registry, name))
    package = unique("mfa-pkg")
    me.run("npm", "publish", cwd=a_library(me.root, package)).ok()
    assert f"{package}: public" in me.run("npm", "access", "get", "status", package).ok().out

    me.run("npm", "access", "set", "mfa=publish", package).ok()
    no_2fa = me.run("npm", "publish", cwd=a_library(me.root, package, "1.1.0"))
    assert no_2fa.code != 0 and "requires two-factor authentication" in no_2fa.out

    totp = enable_2fa(me, "auth-only")  # auth-only: other writes need no code
    needs = me.run("npm", "publish", cwd=a_library(me.root / "b", package, "1.1.0"))
    assert needs.code != 0 and "one-time password" in needs.out
    me.run(
        "npm", "publish", f"--otp={totp.now()}", cwd=a_library(me.root / "c", package, "1.1.0")
    ).ok()
    me.run("npm", "access", "set", "mfa=none", package).ok()
    me.run("npm", "publish", cwd=a_library(me.root / "d", package, "1.2.0")).ok()
