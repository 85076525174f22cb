"""npm's package-name rules, ported from validate-npm-package-name 7.0.2 (the copy npm 11 ships).

`builtin-modules.json` is that package's own list, copied so that "core module name" means the same
thing here as in the CLI.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from chalicelib.errors import InvalidPackageNameError

_BUILTINS = frozenset(json.loads((Path(__file__).parent / "builtin-modules.json").read_text()))
_EXCLUDED = ("node_modules", "favicon.ico")
_SCOPED = re.compile(r"^(?:@([^/]+?)[/])?([^/]+?)$")
_SPECIAL = re.compile(r"[~'!()*]")
MAX_LENGTH = 214


@dataclass(frozen=True)
class NameCheck:
    errors: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def valid_for_old_packages(self) -> bool:
        return not self.errors

    @property
    def valid_for_new_packages(self) -> bool:
        return not self.errors and not self.warnings


def encode_uri_component(text: str) -> str:
    # JavaScript's encodeURIComponent leaves A-Z a-z 0-9 - _ . ! ~ * ' ( ) alone.
    return quote(text, safe="-_.!~*'()")


def check_name(name: str) -> NameCheck:
    """Return npm's errors (never valid) and warnings (not valid for new packages) for `name`."""
    errors = [message for broken, message in _error_rules(name) if broken]
    if encode_uri_component(name) != name and not _is_url_safe_scoped(name, errors):
        errors.append("name can only contain URL-friendly characters")
    return NameCheck(tuple(errors), _warnings(name))


def _error_rules(name: str) -> list[tuple[bool, str]]:
    lower = name.lower()
    return [
        (not name, "name length must be greater than zero"),
        (name.startswith("."), "name cannot start with a period"),
        (name.startswith("-"), "name cannot start with a hyphen"),
        (name.startswith("_"), "name cannot start with an underscore"),
        (name.strip() != name, "name cannot contain leading or trailing spaces"),
        *((lower == x, f"{x} is not a valid package name") for x in _EXCLUDED),
    ]


def _warnings(name: str) -> tuple[str, ...]:
    """Things that used to be allowed: still served, refused for new packages."""
    rules = [
        (name.lower() in _BUILTINS, f"{name} is a core module name"),
        (len(name) > MAX_LENGTH, "name can no longer contain more than 214 characters"),
        (name.lower() != name, "name can no longer contain capital letters"),
        (
            bool(_SPECIAL.search(name.rsplit("/", 1)[-1])),
            'name can no longer contain special characters ("~\'!()*")',
        ),
    ]
    return tuple(message for broken, message in rules if broken)


def _is_url_safe_scoped(name: str, errors: list[str]) -> bool:
    match = _SCOPED.match(name)
    if not match or match.group(1) is None:
        return False
    scope, pkg = match.group(1), match.group(2)
    if pkg.startswith("."):
        errors.append("name cannot start with a period")
    return encode_uri_component(scope) == scope and encode_uri_component(pkg) == pkg


def require_valid_name(name: str, *, new: bool) -> None:
    """Raise InvalidPackageNameError unless `name` is acceptable (stricter for a new package)."""
    check = check_name(name)
    problems = check.errors + (check.warnings if new else ())
    if problems:
        raise InvalidPackageNameError(f"Invalid package name {name!r}: {'; '.join(problems)}")


def scope_of(name: str) -> str | None:
    """`@scope/pkg` -> `scope`; unscoped -> None."""
    if name.startswith("@") and "/" in name:
        return name[1:].split("/", 1)[0]
    return None


def tarball_basename(name: str, version: str) -> str:
    """npm's file name for a version's tarball: the unscoped part, a dash, the version, `.tgz`."""
    return f"{name.rsplit('/', 1)[-1]}-{version}.tgz"
