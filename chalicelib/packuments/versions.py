"""Semver as npm means it, through node-semver's Python port (`nodesemver`).

Python's `packaging.version` is PEP 440, not semver: it orders prereleases differently, so every
comparison in the registry goes through here.
"""

from __future__ import annotations

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
    return sorted(versions, key=precedence_key)


def precedence_key(version: str) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
    """A sort key with semver 2.0 precedence for a clean version (every stored version is).

    node-semver's compare through `cmp_to_key` costs ~175 ms for 2,000 versions, paid on every
    render; this key is parsed once per version. tests/unit/packuments/test_versions.py checks it
    against the node-semver npm ships. Not clean -> sorted by node-semver's rules via compare().
    """
    core, _, pre = version.partition("-")
    parts = core.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or "+" in version:
        return _fallback_key(version)
    major, minor, patch = (int(p) for p in parts)
    if not pre:
        return (major, minor, patch, 1, ())
    ids = tuple((0, int(i)) if i.isdigit() else (1, i) for i in pre.split("."))
    return (major, minor, patch, 0, ids)


def _fallback_key(version: str) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
    parsed = nodesemver.make_semver(version, loose=True)
    return precedence_key(
        f"{parsed.major}.{parsed.minor}.{parsed.patch}"
        + ("-" + ".".join(str(p) for p in parsed.prerelease) if parsed.prerelease else "")
    )


def is_prerelease(version: str) -> bool:
    return bool(nodesemver.make_semver(version, loose=True).prerelease)


def satisfies(version: str, spec: str) -> bool:
    """Whether `version` is in the semver range `spec` (an invalid one matches nothing)."""
    try:
        return bool(nodesemver.satisfies(version, spec, loose=True))
    except (ValueError, TypeError):
        return False
