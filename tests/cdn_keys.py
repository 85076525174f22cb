"""An RSA key pair for CloudFront URL signing in tests, and the offline check of a signed URL
(shared/reference/aws-platform.md §4): rebuild the canned policy, undo CloudFront's base64
alphabet, verify RSA-SHA1 with the public key, then check the expiry and the resource."""

from __future__ import annotations

import base64
import json
import time
from functools import cache
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


@cache
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(traditional: bool = False) -> str:
    fmt = (
        serialization.PrivateFormat.TraditionalOpenSSL
        if traditional
        else serialization.PrivateFormat.PKCS8
    )
    return (
        private_key()
        .private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
        .decode()
    )


def verify(url: str, *, key_id: str, now: float | None = None) -> int:
    """Raise unless `url` carries a valid canned-policy signature; return its expiry."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    expires = int(query["Expires"][0])
    assert query["Key-Pair-Id"] == [key_id]
    resource = f"{parts.scheme}://{parts.netloc}{parts.path}"
    policy = json.dumps(
        {
            "Statement": [
                {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
            ]
        },
        separators=(",", ":"),
    )
    signature = query["Signature"][0].translate(str.maketrans("-_~", "+=/"))
    private_key().public_key().verify(
        base64.b64decode(signature), policy.encode(), padding.PKCS1v15(), hashes.SHA1()
    )
    assert expires > (time.time() if now is None else now), "the URL has expired"
    return expires
