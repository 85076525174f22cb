"""Registering views on a Blueprint with the error table around them (see `errors.translated`),
the way every module of chalicelib/routes/ does; and which views are hot reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Blueprint, Request, Response

from chalicelib.http.errors import translated

View = Callable[..., Response]

# What the routes accept and answer to, in Chalice's terms.
JSON_TYPES = ["application/json", "text/plain"]
FORM = "application/x-www-form-urlencoded"
READ = ["GET", "HEAD"]

# Views the local server runs on its event loop, never in its thread pool: the reads every
# install makes, each a fraction of a millisecond (chalicelib/server/rsgi.py says why).
_HOT: set[Callable[..., Any]] = set()


def hot(view: View) -> View:
    """Mark a registered view as a hot read. It must not block: no password hashing, no
    rendering except a missing stored copy, and an outbound call only after `will_block()`
    (chalicelib/blocking.py)."""
    _HOT.add(view)
    return view


def is_hot(view: Callable[..., Any]) -> bool:
    return view in _HOT


def router(blueprint: Blueprint) -> Callable[..., Callable[[View], View]]:
    """`route(path, hot=False, **options)` for `blueprint`: Chalice's own, with the view wrapped by
    the error table and, with `hot=True`, marked as a hot read (see `hot`)."""

    def route(path: str, *, hot: bool = False, **options: Any) -> Callable[[View], View]:
        def register(view: View) -> View:
            registered: View = blueprint.route(path, **options)(translated(view))
            if hot:
                _HOT.add(registered)
            return registered

        return register

    return route


def current_request(blueprint: Blueprint) -> Request:
    request = blueprint.current_request
    assert request is not None  # Chalice sets it before calling any view
    return request
