"""Semver through nodesemver agrees with the node-semver npm 11 ships."""

from __future__ import annotations

import json
import subprocess

import pytest

from chalicelib.packuments import versions

VERSIONS = [
    "1.9.0",
    "1.10.0",
    "1.10.0-rc.1",
    "1.0.0-beta.11",
    "1.0.0-beta.2",
    "1.0.0-alpha",
    "1.0.0",
    "0.0.1",
    "2.0.0-0",
    "10.0.0",
    "1.0.0-alpha.beta",
    "1.0.0-rc.1",
    "1.0.0-alpha.1",
    "1.0.0-alpha.10",
    "1.0.0-alpha.2",
    "1.0.0-1",
    "1.0.0-alpha.1.a",
    "1.0.0-beta",
    "0.10.0",
    "0.9.99",
    "1.0.0-x.7.z.92",
    "1.0.0-0.3.7",
]
CLEAN = ["1.0.0", "v1.0.0", "=1.0.0", " 1.0.0 ", "1.0.0+build.1", "1.0", "01.0.0", "1.0.0-rc.1"]
RANGES = [
    "latest",
    "beta",
    "next",
    "1",
    "1.x",
    "v1",
    "^1.0.0",
    "~1",
    "*",
    "x",
    ">=1 <2",
    "1 - 2",
    "stable",
    "canary",
    "1.0.0",
    "rc",
]


def node_semver(script: str, data: object) -> object:
    root = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True, check=True)
    code = (
        f"const s = require({json.dumps(root.stdout.strip() + '/npm/node_modules/semver')});"
        f"const d = JSON.parse(process.argv[1]); console.log(JSON.stringify({script}))"
    )
    out = subprocess.run(
        ["node", "-e", code, json.dumps(data)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


@pytest.mark.full_suite  # runs the real npm's node-semver
def test_ordering_matches_node_semver() -> None:
    assert versions.sort_versions(VERSIONS) == node_semver("d.sort(s.compareLoose)", VERSIONS)


@pytest.mark.full_suite  # runs the real npm's node-semver
def test_clean_matches_node_semver() -> None:
    assert [versions.clean(v) for v in CLEAN] == node_semver("d.map(v => s.clean(v))", CLEAN)


@pytest.mark.full_suite  # runs the real npm's node-semver
def test_valid_range_matches_node_semver() -> None:
    expected = node_semver("d.map(r => s.validRange(r) !== null)", RANGES)
    assert [versions.is_valid_range(r) for r in RANGES] == expected


def test_only_clean_versions_are_clean() -> None:
    assert versions.is_clean("1.0.0-rc.1")
    assert (
        not versions.is_clean("v1.0.0")
        and not versions.is_clean("1.0.0+b")
        and not versions.is_clean("")
    )
