"""docs/architecture.md's route table against `app.routes`, both ways: every route and method the
app serves is in the table, under the module its view lives in, and the table names nothing the
app does not serve. Pure: imports the app, reads the page.

Each `### … (`chalicelib/routes/<module>.py`)` heading starts that module's table. In a row, the
first cell holds one or more backticked paths, the second the methods (each path gets all of
them); `[…]` marks an optional part (`/{p1}[/{p2}]` is `/{p1}` and `/{p1}/{p2}`), and may nest.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import app

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}
MODULE = re.compile(r"`chalicelib/routes/(\w+)\.py`")
CELL = re.compile(r"(?<!\\)\|")
CODE_SPAN = re.compile(r"`([^`]+)`")

Pair = tuple[str, str]  # (path, method)


def _routes_section() -> list[str]:
    lines, out, inside, fenced = ARCHITECTURE.read_text().splitlines(), [], False, False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            inside = line[3:].strip() == "Routes"
            continue
        if inside:
            out.append(line)
    assert out, "docs/architecture.md has no `## Routes` section"
    return out


def expand(pattern: str) -> list[str]:
    """Every path an optional-part pattern stands for: `/a[/b[/c]]` -> `/a`, `/a/b`, `/a/b/c`."""
    start = pattern.find("[")
    if start < 0:
        assert "]" not in pattern, f"unmatched ] in {pattern}"
        return [pattern]
    depth = 0
    for end in range(start, len(pattern)):
        depth += {"[": 1, "]": -1}.get(pattern[end], 0)
        if depth == 0:
            break
    else:
        raise AssertionError(f"unmatched [ in {pattern}")
    head, inner, tail = pattern[:start], pattern[start + 1 : end], pattern[end + 1 :]
    return [head + middle + rest for middle in ["", *expand(inner)] for rest in expand(tail)]


def documented() -> dict[Pair, list[str]]:
    """(path, method) -> the modules whose tables list it (more than one is a mistake)."""
    found: dict[Pair, list[str]] = {}
    module = None
    for line in _routes_section():
        if line.startswith("### "):
            named = MODULE.search(line)
            assert named, f"name the routes module in the heading: {line!r}"
            module = named.group(1)
            continue
        if not line.startswith("|") or line.startswith(("| route ", "|---")):
            continue
        assert module is not None, f"a route row before any `### …` module heading: {line!r}"
        cells = [cell.strip() for cell in CELL.split(line.strip().strip("|"))]
        paths, methods = CODE_SPAN.findall(cells[0]), cells[1].split()
        assert paths and methods, f"a row needs paths and methods: {line!r}"
        assert set(methods) <= METHODS, f"not HTTP methods: {set(methods) - METHODS} in {line!r}"
        for pattern in paths:
            for path in expand(pattern):
                for method in methods:
                    found.setdefault((path, method), []).append(module)
    return found


def served() -> dict[Pair, str]:
    """(path, method) -> the module of chalicelib/routes/ its view is in (or wherever it is)."""
    return {
        (path, method): entry.view_function.__module__.removeprefix("chalicelib.routes.")
        for path, methods in app.routes.items()
        for method, entry in methods.items()
    }


def test_expand() -> None:
    assert expand("/a") == ["/a"]
    assert expand("/{p1}[/{p2}]/x") == ["/{p1}/x", "/{p1}/{p2}/x"]
    assert expand("/d/{p}[/{p1}[/{p2}]]") == ["/d/{p}", "/d/{p}/{p1}", "/d/{p}/{p1}/{p2}"]
    assert expand("/a[/b]/c[/d]") == ["/a/c", "/a/c/d", "/a/b/c", "/a/b/c/d"]
    with pytest.raises(AssertionError):
        expand("/a[/b")


def test_every_view_lives_in_chalicelib_routes() -> None:
    """app.py only assembles: every view is in a Blueprint of chalicelib/routes/."""
    elsewhere = sorted(
        f"{method} {path}: {entry.view_function.__module__}"
        for path, methods in app.routes.items()
        for method, entry in methods.items()
        if not entry.view_function.__module__.startswith("chalicelib.routes.")
    )
    assert not elsewhere, f"move these views into chalicelib/routes/: {elsewhere}"


def test_every_route_is_in_the_table() -> None:
    table = documented()
    missing = sorted(f"{method} {path}" for path, method in served().keys() - table.keys())
    assert not missing, f"add to docs/architecture.md's route table: {missing}"


def test_the_table_names_only_routes_that_exist() -> None:
    extra = sorted(f"{method} {path}" for path, method in documented().keys() - served().keys())
    assert not extra, f"docs/architecture.md's route table lists what app.routes lacks: {extra}"


def test_each_route_is_listed_once_under_its_own_module() -> None:
    app_routes, table = served(), documented()
    wrong = sorted(
        f"{method} {path}: listed under {modules}, its view is in {app_routes[(path, method)]}"
        for (path, method), modules in table.items()
        if (path, method) in app_routes and modules != [app_routes[(path, method)]]
    )
    assert not wrong, f"docs/architecture.md's route table: {wrong}"
