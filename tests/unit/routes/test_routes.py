"""Route-table checks nothing else catches before deploy."""

from __future__ import annotations

from app import app


def apigw_route_conflicts(routes: list[str]) -> list[str]:
    """API Gateway refuses two different variable names at one path level ("A sibling ({x}) of
    this resource already has a variable path part"); Chalice, `chalice package` and cfn-lint
    all accept it (shared/reference/aws-platform.md §1.1)."""
    problems: list[str] = []
    children: dict[str, set[str]] = {}
    for path in routes:
        segments = [s for s in path.split("/") if s]
        for i, segment in enumerate(segments):
            if segment.startswith("{"):
                if segment.endswith("+}") and i != len(segments) - 1:
                    problems.append(f"{path}: greedy {segment} must be last")
                children.setdefault("/" + "/".join(segments[:i]), set()).add(segment)
    return problems + [
        f"{p}: sibling variables {sorted(v)}" for p, v in children.items() if len(v) > 1
    ]


def test_no_two_variable_names_at_one_level() -> None:
    assert apigw_route_conflicts(list(app.routes)) == []


def test_the_checker_catches_a_conflict() -> None:
    assert apigw_route_conflicts(["/{a}/x", "/{b}/y"]) == ["/: sibling variables ['{a}', '{b}']"]


def test_every_view_is_wrapped_by_the_error_table() -> None:
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            assert getattr(entry.view_function, "tarbox_translated", False), (method, path)
