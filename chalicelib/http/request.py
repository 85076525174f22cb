"""Values every route needs from the current request: the actor and the public base URL."""

from __future__ import annotations

import hmac
import re

from chalice.app import Request

from chalicelib.auth.credentials import authenticate
from chalicelib.auth.service import Actor, require_actor
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.errors import InvalidPayloadError
from chalicelib.http.observe import note
from chalicelib.registry import Registry


def header(request: Request, name: str) -> str | None:
    value = request.headers.get(name)
    return str(value) if value is not None else None


# The origin header the CDN adds to every request it sends the API (infra/template.json).
EDGE_SECRET_HEADER = "x-tarbox-edge"  # noqa: S105 - the header's name, not its value


def client_ip(request: Request, edge_secret: str | None = None) -> str:
    """The address the request came from, never a header a client chose: API Gateway's
    `identity.sourceIp`, which `tarbox serve` fills with the connection's peer
    (server/dispatch.py).

    Through the CDN (AWS) that peer is a CloudFront server. CloudFront appends the viewer's
    address to X-Forwarded-For, and API Gateway appends the peer: the entry before the trailing
    peers is the viewer's. (The API is regional for this: an edge-optimized one would append
    its own CloudFront's address after the peer; tests/infra checks it.) Only a
    request carrying the origin secret that the distribution alone sends is read that way;
    anyone else could write any X-Forwarded-For."""
    identity = (request.context or {}).get("identity") or {}
    peer = str(identity.get("sourceIp") or "")
    if not edge_secret or not hmac.compare_digest(
        (header(request, EDGE_SECRET_HEADER) or "").encode(), edge_secret.encode()
    ):
        return peer
    hops = [
        hop.strip() for hop in (header(request, "x-forwarded-for") or "").split(",") if hop.strip()
    ]
    while len(hops) > 1 and hops[-1] == peer:
        hops.pop()
    return hops[-1] if hops else peer


def optional_actor(registry: Registry, request: Request) -> Actor | None:
    found = authenticate(
        registry.accounts,
        header(request, "authorization"),
        client_ip=client_ip(request, registry.settings.edge_secret),
        otp=header(request, "npm-otp"),
        throttle=throttle(registry, request),
    )
    note(actor=found.name if found else None)
    return found


def throttle(registry: Registry, request: Request) -> LoginThrottle:
    return LoginThrottle(registry.ephemeral, client_ip(request, registry.settings.edge_secret))


def actor(registry: Registry, request: Request) -> Actor:
    return require_actor(optional_actor(registry, request))


_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:]+\](:[0-9]{1,5})?$")
_PROTOS = ("http", "https")


def configured_url(registry: Registry) -> str | None:
    """The public URL set by the operator, else on AWS the CDN's in front of the API (whose
    requests reach the API with the API's own Host), else None."""
    if registry.settings.public_url:
        return registry.settings.public_url
    return registry.edge.url() if registry.edge is not None else None


def base_url(registry: Registry, request: Request) -> str:
    """The registry's public URL: configured (AWS: the custom domain), or the Host asked for.

    It ends up in every `dist.tarball`, so a Host that is not a plain host[:port] is not used.
    On API Gateway's own domain the stage is part of the path (`…/api/`): npm's tarball and
    unpublish URLs must keep it (npm-protocol.md §1.1). Behind `tarbox serve` the Host must name
    the bound address (or, bound to loopback, another name of it): each base URL is a stored
    copy of every document read through it, so an unknown Host gets the bound URL, never a copy
    of its own.
    """
    settings = registry.settings
    public = configured_url(registry)
    if public:
        return public
    proto = header(request, "x-forwarded-proto") or "http"
    host = header(request, "host") or "127.0.0.1"
    if proto not in _PROTOS or not _HOST.match(host):
        raise InvalidPayloadError("The Host header is not a valid host name")
    if settings.local_server and settings.bound_url:
        asked = f"{proto}://{host.lower()}"
        return asked if asked in settings.local_base_urls() else settings.bound_url
    stage = (request.context or {}).get("stage")
    if host.endswith(".amazonaws.com") and stage:
        return f"{proto}://{host}/{stage}"
    return f"{proto}://{host}"
