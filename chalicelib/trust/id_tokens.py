"""A CI's OIDC ID token, checked: signed by a key its issuer publishes, for this registry, in date.

The issuers are configuration (`TARBOX_OIDC_ISSUERS`, by default GitHub Actions' and GitLab.com's),
each named for the CI it speaks for: a trusted publisher of type `github` is matched only against
tokens from a `github` issuer. Their keys are found as OIDC says (the issuer's
`/.well-known/openid-configuration` names its `jwks_uri`) and kept for a few minutes; a key id
not seen yet makes the set be read again, as issuers add keys before they sign with them.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.errors import AuthenticationRequiredError, UpstreamUnavailableError

if TYPE_CHECKING:
    import jwt

# Both CIs sign with RS256 today; never "none" or a shared-secret (HS*) algorithm.
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
KEYS_CACHE_SECONDS = 300
FETCH_TIMEOUT_SECONDS = 5
# The CI's clock and ours may differ a little; an ID token lives 5 to 10 minutes.
LEEWAY_SECONDS = 30


@dataclass(frozen=True)
class IdToken:
    provider: str  # the CI the issuer speaks for: "github" | "gitlab"
    claims: dict[str, Any]


def verified_id_token(
    token: str, issuers: tuple[tuple[str, str], ...], audiences: list[str]
) -> IdToken:
    """The token's claims, once its issuer is one configured, its signature is the issuer's,
    its audience is one of `audiences` and it is in date."""
    import jwt  # loads cryptography: not on every cold start (tests/unit/test_cold_imports.py)

    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise _refused("not a JSON Web Token") from None
    issuer = unverified.get("iss")
    provider = next((p for p, url in issuers if url == issuer), None)
    if provider is None or not isinstance(issuer, str):
        raise _refused(f"its issuer {issuer!r} is not one this registry trusts")
    try:
        key = _keys(issuer).get_signing_key_from_jwt(token)
    except jwt.PyJWKClientConnectionError as exc:
        raise UpstreamUnavailableError(f"Could not read the signing keys of {issuer}") from exc
    except jwt.PyJWTError as exc:
        raise _refused(f"no key of {issuer} signed it ({exc})") from None
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=ALGORITHMS,
            audience=audiences,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise _refused(str(exc)) from None
    return IdToken(provider, claims)


def _refused(why: str) -> AuthenticationRequiredError:
    return AuthenticationRequiredError(f"The OIDC ID token was refused: {why}")


_clients: dict[str, tuple[float, jwt.PyJWKClient]] = {}
_lock = threading.Lock()


def _keys(issuer: str) -> jwt.PyJWKClient:
    """The issuer's key set, read through its discovery document once per cache period."""
    import jwt

    now = time.monotonic()
    with _lock:
        cached = _clients.get(issuer)
    if cached is not None and now - cached[0] < KEYS_CACHE_SECONDS:
        return cached[1]
    discovery = _read_json(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
    jwks_uri = discovery.get("jwks_uri")
    if discovery.get("issuer") != issuer or not isinstance(jwks_uri, str):
        raise UpstreamUnavailableError(f"{issuer} does not describe itself as an OIDC issuer")
    client = jwt.PyJWKClient(
        jwks_uri, cache_keys=True, lifespan=KEYS_CACHE_SECONDS, timeout=FETCH_TIMEOUT_SECONDS
    )
    with _lock:
        _clients[issuer] = (now, client)
    return client


def _read_json(url: str) -> dict[str, Any]:
    if not url.startswith(("https://", "http://")):
        raise UpstreamUnavailableError(f"Not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
            body = json.load(response)
    except (OSError, ValueError) as exc:
        raise UpstreamUnavailableError(f"Could not read {url}: {exc}") from exc
    if not isinstance(body, dict):
        raise UpstreamUnavailableError(f"{url} did not answer a JSON object")
    return body
