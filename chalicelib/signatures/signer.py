"""Signing versions: `dist.signatures: [{keyid, sig}]`, the sig an ECDSA P-256/SHA-256 signature
(DER, base64) of `${name}@${version}:${integrity}`, the message pacote verifies
(lib/registry.js: `${mani._id}:${mani._integrity}`).

Signed when a packument is rendered, so versions published before signing existed are signed
too. Signatures are deterministic (RFC 6979): a render of the same version with the same key is
the same bytes, and a process keeps the ones it made, since a render signs every version.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import Any

from chalicelib.signatures.keys import current_key, existing_key
from chalicelib.storage.ports.signing_keys import SigningKeyStore
from chalicelib.storage.records import SigningKey

# About 150 bytes each: a few MB keeps every version of the packages a process renders often.
SIGNATURE_CACHE = 32_768


class Signer:
    def __init__(self, key: SigningKey) -> None:
        # Imported here: a cold start that answers /-/ping loads no crypto (docs/performance.md).
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        private = serialization.load_pem_private_key(key.private_key.encode(), password=None)
        if not isinstance(private, ec.EllipticCurvePrivateKey):
            raise ValueError(f"signing key {key.keyid} is not an ECDSA key")
        self.keyid = key.keyid
        self._private = private
        self._algorithm = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
        self._sign = lru_cache(maxsize=SIGNATURE_CACHE)(self._sign_uncached)

    def signatures(self, name: str, version: str, dist: dict[str, Any]) -> list[dict[str, str]]:
        """`dist.signatures` for this version; [] when its dist has no checksum to sign."""
        integrity = integrity_of(dist)
        if integrity is None:
            return []
        return [{"keyid": self.keyid, "sig": self._sign(f"{name}@{version}:{integrity}")}]

    def _sign_uncached(self, message: str) -> str:
        return base64.b64encode(self._private.sign(message.encode(), self._algorithm)).decode()


def integrity_of(dist: dict[str, Any]) -> str | None:
    """The integrity npm computes for a version: `dist.integrity`, else the sha1 `shasum` as an
    SRI string (pacote: `ssri.fromHex(dist.shasum, 'sha1')`)."""
    integrity = dist.get("integrity")
    if isinstance(integrity, str) and integrity.strip():
        return integrity.strip()
    shasum = dist.get("shasum")
    if isinstance(shasum, str):
        try:
            return "sha1-" + base64.b64encode(bytes.fromhex(shasum)).decode()
        except ValueError:
            return None
    return None


def current_signer(store: SigningKeyStore | None, *, create: bool = True) -> Signer | None:
    """The signer of the current key; None where the registry has no keys configured, or (not
    `create`: a reader that may not write the keys) none was made yet."""
    if store is None:
        return None
    key = current_key(store) if create else existing_key(store)
    return None if key is None else _signer(key)


@lru_cache(maxsize=4)
def _signer(key: SigningKey) -> Signer:
    return Signer(key)
