"""Routes for what npm checks a package's origin with, as a Blueprint: the registry's signing
keys (`npm audit signatures`)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import wiring
from chalicelib.errors import NotFoundError
from chalicelib.http import render
from chalicelib.http.routing import router
from chalicelib.signatures.keys import public_keys

supply_chain = Blueprint(__name__)
_route = router(supply_chain)
READ = ["GET", "HEAD"]
# Keys change only by rotation, and a rotated key goes on verifying: a client or cache may keep
# the list a few minutes, the time a rotation takes to reach every process anyway.
KEYS_CACHE = "public, max-age=300"


@_route("/-/npm/v1/keys", methods=READ)
def keys() -> Response:
    """npm reads this when sigstore's TUF repository does not know the registry (every registry
    but npmjs): lib/utils/verify-signatures.js."""
    store = wiring.registry().signing_keys
    if store is None:
        raise NotFoundError("This registry does not sign packages")
    return render.json_response({"keys": public_keys(store)}, headers={"Cache-Control": KEYS_CACHE})
