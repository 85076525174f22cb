"""Signed CloudFront URLs for blobs: tarballs, and packuments too large for a Lambda response.

A canned policy (one URL, one expiry), signed with RSA-SHA1 as CloudFront requires, through
botocore's CloudFrontSigner; the key is the PEM in the CdnSigningKey secret (any PEM form
`cryptography` loads: PKCS#1 from `openssl genrsa -traditional`, PKCS#8 from OpenSSL 3's default).
`cryptography` is imported on the first signature only: most requests sign nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from chalicelib.errors import NotConfiguredError


class CloudFrontUrls:
    def __init__(self, domain: str, key_id: str, private_key: Callable[[], str | None]) -> None:
        self._domain = domain
        self._key_id = key_id
        self._private_key = private_key
        self._lock = threading.Lock()
        self._signer: Any = None
        self._pem: str | None = None

    def url(self, key: str, expires_in: int) -> str:
        expires = datetime.now(UTC) + timedelta(seconds=expires_in)
        resource = f"https://{self._domain}/{quote(key, safe='/@')}"
        signed: str = self._signer_for_current_key().generate_presigned_url(
            resource, date_less_than=expires
        )
        return signed

    def _signer_for_current_key(self) -> Any:
        pem = self._private_key() or ""
        with self._lock:
            if self._signer is None or pem != self._pem:
                self._signer, self._pem = _signer(self._key_id, pem), pem
            return self._signer


def _signer(key_id: str, pem: str) -> Any:
    from botocore.signers import CloudFrontSigner
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise NotConfiguredError(
            "The CDN signing key is not a PEM private key: set the CdnSigningKey secret"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise NotConfiguredError("The CDN signing key must be an RSA key")

    def sign(message: bytes) -> bytes:
        return key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - CloudFront's scheme

    return CloudFrontSigner(key_id, sign)
