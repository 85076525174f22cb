"""Our port of validate-npm-package-name agrees with the copy npm 11 ships, name by name."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from chalicelib.packuments.names import check_name, scope_of, tarball_basename

NAMES = [
    "foo",
    "foo-bar",
    "foo.bar",
    "@scope/foo",
    "@scope/.foo",
    ".foo",
    "_foo",
    "-foo",
    " foo",
    "foo ",
    "node_modules",
    "NODE_MODULES",
    "favicon.ico",
    "http",
    "fs",
    "fs/promises",
    "HTTP",
    "Foo",
    "@Scope/foo",
    "a" * 214,
    "a" * 215,
    "foo~bar",
    "foo!",
    "@s/foo*",
    "caf\u00e9",
    "foo/bar",
    "@scope/foo/bar",
    "@/foo",
    "foo%2fbar",
    "",
    "@scope%2ffoo",
    "crazy!name",
    "ünicode",
    "a b",
    "@s/a b",
    "node:test",
]


def npm_verdicts() -> dict[str, dict[str, bool]]:
    node = shutil.which("node")
    npm_root = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True, check=True)
    script = (
        "const v = require(process.argv[1] + '/npm/node_modules/validate-npm-package-name');"
        "const names = JSON.parse(process.argv[2]);"
        "console.log(JSON.stringify(Object.fromEntries(names.map(n => [n, v(n)]))))"
    )
    out = subprocess.run(
        [str(node), "-e", script, npm_root.stdout.strip(), json.dumps(NAMES)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout))


@pytest.fixture(scope="module")
def verdicts() -> dict[str, dict[str, bool]]:
    return npm_verdicts()


@pytest.mark.full_suite  # runs the real npm's copy
@pytest.mark.parametrize("name", NAMES)
def test_agrees_with_npm(name: str, verdicts: dict[str, dict[str, bool]]) -> None:
    check = check_name(name)
    assert check.valid_for_new_packages == verdicts[name]["validForNewPackages"]
    assert check.valid_for_old_packages == verdicts[name]["validForOldPackages"]


def test_scope_and_tarball_basename() -> None:
    assert scope_of("@acme/thing") == "acme" and scope_of("thing") is None
    assert tarball_basename("@acme/thing", "1.0.0") == "thing-1.0.0.tgz"
    assert tarball_basename("thing", "1.0.0-rc.1") == "thing-1.0.0-rc.1.tgz"
