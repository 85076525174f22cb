"""Semver as npm means it, through node-semver's Python port (`nodesemver`).

Python's `packaging.version` is PEP 440, not semver: it orders prereleases differently, so every
comparison in the registry goes through here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import nodesemver


def clean(version: str) -> str | None:
    """npm's `semver.clean`: trims, drops a leading `v`/`=`, strips build metadata.

    None when `version` is not semver at all."""
    # node-semver: parse(version.trim().replace(/^[=v]+/, '')); the port does not strip `=`.
    result = nodesemver.clean(version.strip().lstrip("=v"), False)
    return str(result) if result is not None else None


# node-semver refuses longer versions and numbers past Number.MAX_SAFE_INTEGER.
MAX_VERSION_LENGTH = 256
MAX_SAFE_INTEGER = 2**53 - 1


def is_clean(version: str) -> bool:
    if not version or len(version) > MAX_VERSION_LENGTH or clean(version) != version:
        return False
    core = version.split("-", 1)[0].split(".")
    return all(int(part) <= MAX_SAFE_INTEGER for part in core)


def is_valid_range(text: str) -> bool:
    """Whether node-semver's `validRange` accepts `text` (npm refuses such dist-tags)."""
    try:
        return nodesemver.valid_range(text, loose=True) is not None
    except (ValueError, TypeError):
        return False


def compare(a: str, b: str) -> int:
    return int(nodesemver.compare(a, b, loose=True))


def sort_versions(versions: Iterable[str]) -> list[str]:
    """Ascending semver precedence (prereleases before their release)."""
    return sorted(versions, key=functools.cmp_to_key(compare))


def is_prerelease(version: str) -> bool:
    return bool(nodesemver.make_semver(version, loose=True).prerelease)
