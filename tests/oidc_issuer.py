"""A CI's OIDC issuer on 127.0.0.1, for the trusted-publishing tests: GitHub Actions' and
GitLab's, one path each, each with its discovery document and key set, and GitHub's ID-token
request endpoint (what `ACTIONS_ID_TOKEN_REQUEST_URL` names in a workflow)."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

PROVIDERS = ("github", "gitlab")


@dataclass
class Issuer:
    url: str  # http://127.0.0.1:PORT
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    kid: str = field(default_factory=lambda: secrets.token_hex(8))
    # ACTIONS_ID_TOKEN_REQUEST_TOKEN -> the claims of the ID tokens it is given
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)

    def issuer(self, provider: str) -> str:
        return f"{self.url}/{provider}"

    def setting(self) -> str:
        """TARBOX_OIDC_ISSUERS naming both."""
        return ",".join(f"{p}={self.issuer(p)}" for p in PROVIDERS)

    def id_token(
        self,
        provider: str,
        claims: dict[str, Any],
        *,
        audience: str = "npm:127.0.0.1",
        lifetime: int = 300,
        key: rsa.RSAPrivateKey | None = None,
    ) -> str:
        now = int(time.time())
        body = {"iss": self.issuer(provider), "aud": audience, "iat": now, "nbf": now}
        body |= {"exp": now + lifetime, "jti": secrets.token_hex(8), **claims}
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    def workflow(self, claims: dict[str, Any]) -> dict[str, str]:
        """The environment of a GitHub Actions job whose ID tokens carry `claims`."""
        request_token = secrets.token_hex(16)
        self.requests[request_token] = claims
        return {
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "ACTIONS_ID_TOKEN_REQUEST_URL": f"{self.url}/github/token?api-version=2.0",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": request_token,
        }

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}


def _handler(issuer: Issuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            provider, _, rest = parts.path.strip("/").partition("/")
            if provider not in PROVIDERS:
                return self._send(404, {"message": "no such issuer"})
            if rest == ".well-known/openid-configuration":
                jwks_uri = f"{issuer.issuer(provider)}/.well-known/jwks"
                return self._send(200, {"issuer": issuer.issuer(provider), "jwks_uri": jwks_uri})
            if rest == ".well-known/jwks":
                return self._send(200, issuer.jwks())
            if rest == "token" and provider == "github":
                return self._github_token(parse_qs(parts.query))
            return self._send(404, {"message": "not found"})

        def _github_token(self, query: dict[str, list[str]]) -> None:
            """As GitHub answers a job with `permissions: id-token: write`: `{value}`."""
            scheme, _, request_token = (self.headers.get("Authorization") or "").partition(" ")
            claims = issuer.requests.get(request_token)
            if scheme != "Bearer" or claims is None:
                return self._send(401, {"message": "Bad credentials"})
            audience = (query.get("audience") or ["npm:registry.npmjs.org"])[0]
            self._send(200, {"value": issuer.id_token("github", claims, audience=audience)})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve_issuer() -> Iterator[Issuer]:
    issuer = Issuer("")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(issuer))
    issuer.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
