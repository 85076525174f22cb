"""Values every route needs from the current request: the actor and the public base URL."""

from __future__ import annotations

from chalice.app import Request

from chalicelib.auth.service import Actor, authenticate, require_actor
from chalicelib.registry import Registry


def header(request: Request, name: str) -> str | None:
    value = request.headers.get(name)
    return str(value) if value is not None else None


def optional_actor(registry: Registry, request: Request) -> Actor | None:
    return authenticate(registry.accounts, header(request, "authorization"))


def actor(registry: Registry, request: Request) -> Actor:
    return require_actor(optional_actor(registry, request))


def base_url(registry: Registry, request: Request) -> str:
    """The registry's public URL: configured (AWS: the custom domain), or the Host asked for."""
    if registry.settings.public_url:
        return registry.settings.public_url
    proto = header(request, "x-forwarded-proto") or "http"
    host = header(request, "host") or "127.0.0.1"
    return f"{proto}://{host}"
