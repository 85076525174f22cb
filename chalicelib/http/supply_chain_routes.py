"""Routes for what npm checks a package's origin with, as a Blueprint: the registry's signing
keys and the versions' provenance attestations (`npm audit signatures`)."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from chalicelib import wiring
from chalicelib.errors import NotFoundError
from chalicelib.http import params, render
from chalicelib.http.request import optional_actor
from chalicelib.http.routing import current_request, router
from chalicelib.provenance.attestations import attestations
from chalicelib.signatures.keys import KEYS_MAX_AGE, public_keys

supply_chain = Blueprint(__name__)
_route = router(supply_chain)
READ = ["GET", "HEAD"]
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
    return current_request(supply_chain)


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
