"""What npm checks a package's origin with: the registry's signing keys and the versions'
provenance attestations (`npm audit signatures`), and a package's trusted publishers (`npm
trust`) and the token exchange they allow."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from chalicelib import wiring
from chalicelib.errors import NotFoundError
from chalicelib.http import params, render
from chalicelib.http.request import actor, base_url, header, optional_actor
from chalicelib.http.routing import JSON_TYPES, READ, current_request, router
from chalicelib.provenance.attestations import attestations
from chalicelib.signatures.keys import KEYS_MAX_AGE, public_keys
from chalicelib.trust.config import add_trusted, list_trusted, revoke_trusted
from chalicelib.trust.exchange import exchange_token

blueprint = Blueprint(__name__)
_route = router(blueprint)
# Keys change only by rotation, which lists a new key well before it signs (signatures/keys.py).
KEYS_CACHE = f"public, max-age={KEYS_MAX_AGE}"


@_route("/-/npm/v1/keys", methods=READ)
def keys() -> Response:
    """npm reads this when sigstore's TUF repository does not know the registry (every registry
    but npmjs): lib/utils/verify-signatures.js."""
    store = wiring.registry().signing_keys
    if store is None:
        raise NotFoundError("This registry does not sign packages")
    return render.json_response({"keys": public_keys(store)}, headers={"Cache-Control": KEYS_CACHE})


def _request() -> Request:
    return current_request(blueprint)


@_route("/-/npm/v1/attestations/{p1}", methods=READ)
def version_attestations(p1: str) -> Response:
    """npmjs's path is `@scope%2fname@1.0.0`; `@scope/name@1.0.0` is answered too."""
    return _attestations(params.unquote(p1))


@_route("/-/npm/v1/attestations/{p1}/{p2}", methods=READ)
def scoped_version_attestations(p1: str, p2: str) -> Response:
    return _attestations(f"{params.unquote(p1)}/{params.unquote(p2)}")


def _attestations(spec: str) -> Response:
    registry = wiring.registry()
    body, seen = attestations(registry, optional_actor(registry, _request()), spec)
    return render.json_response(body, headers=render.read_headers(seen))


@_route("/-/package/{p1}/trust", methods=["GET", "POST"], content_types=JSON_TYPES)
def trust(p1: str) -> Response:
    return _trust(params.package_name(p1))


@_route("/-/package/{p1}/{p2}/trust", methods=["GET", "POST"], content_types=JSON_TYPES)
def scoped_trust(p1: str, p2: str) -> Response:
    return _trust(params.scoped_name(p1, p2))


@_route("/-/package/{p1}/trust/{id}", methods=["DELETE"])
def revoke_trust(p1: str, id: str) -> Response:
    return _revoke(params.package_name(p1), params.unquote(id))


@_route("/-/package/{p1}/{p2}/trust/{id}", methods=["DELETE"])
def revoke_scoped_trust(p1: str, p2: str, id: str) -> Response:
    return _revoke(params.scoped_name(p1, p2), params.unquote(id))


def _trust(name: str) -> Response:
    registry, request = wiring.registry(), _request()
    who = actor(registry, request)
    if request.method == "GET":
        return render.json_response(list_trusted(registry, who, name))
    made = add_trusted(registry, who, name, params.json_body(request.raw_body))
    return render.json_response(made, 201)


def _revoke(name: str, id: str) -> Response:
    registry = wiring.registry()
    revoke_trusted(registry, actor(registry, _request()), name, id)
    return render.json_response({"ok": True})


@_route("/-/npm/v1/oidc/token/exchange/package/{p1}", methods=["POST"], content_types=JSON_TYPES)
def oidc_exchange(p1: str) -> Response:
    return _exchange(params.package_name(p1))


@_route(
    "/-/npm/v1/oidc/token/exchange/package/{p1}/{p2}", methods=["POST"], content_types=JSON_TYPES
)
def scoped_oidc_exchange(p1: str, p2: str) -> Response:
    return _exchange(params.scoped_name(p1, p2))


def _exchange(name: str) -> Response:
    """npm in CI (lib/utils/oidc.js) sends the CI's OIDC ID token as its Bearer token: it is no
    token of ours, so it is not authenticated as one."""
    registry, request = wiring.registry(), _request()
    authorization = header(request, "authorization")
    body = exchange_token(registry, authorization, name, base_url(registry, request))
    return render.json_response(body, 201, headers={"Cache-Control": "no-store"})
