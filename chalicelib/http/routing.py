"""Registering views on a Blueprint with the error table around them (see `errors.translated`),
the way app.py's `route` does for the app's own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Blueprint, Request, Response

from chalicelib.http.errors import translated

View = Callable[..., Response]


def router(blueprint: Blueprint) -> Callable[..., Callable[[View], View]]:
    def route(path: str, **options: Any) -> Callable[[View], View]:
        def register(view: View) -> View:
            registered: View = blueprint.route(path, **options)(translated(view))
            return registered

        return register

    return route


def current_request(blueprint: Blueprint) -> Request:
    request = blueprint.current_request
    assert request is not None  # Chalice sets it before calling any view
    return request
