"""CloudFront signed URLs, checked offline with the public key: the signature, the expiry, the
resource, and both PEM forms of the private key."""

from __future__ import annotations

import time

import pytest
from cryptography.exceptions import InvalidSignature

from chalicelib.errors import NotConfiguredError
from chalicelib.storage.aws.signed_urls import CloudFrontUrls
from tests import cdn_keys


@pytest.mark.parametrize("traditional", [False, True], ids=["pkcs8", "pkcs1"])
def test_a_signed_url_verifies_and_expires_as_asked(traditional: bool) -> None:
    urls = CloudFrontUrls(
        "d111.cloudfront.net", "K2JCJMDEHXQW5F", lambda: cdn_keys.private_pem(traditional)
    )
    url = urls.url("tarballs/@acme/lib/abc123.tgz", 300)
    assert url.startswith("https://d111.cloudfront.net/tarballs/@acme/lib/abc123.tgz?")
    expires = cdn_keys.verify(url, key_id="K2JCJMDEHXQW5F")
    assert 295 <= expires - time.time() <= 301
    with pytest.raises(AssertionError, match="expired"):
        cdn_keys.verify(url, key_id="K2JCJMDEHXQW5F", now=expires + 1)


def test_a_tampered_resource_does_not_verify() -> None:
    urls = CloudFrontUrls("d111.cloudfront.net", "K1", cdn_keys.private_pem)
    url = urls.url("tarballs/@acme/lib/abc123.tgz", 60)
    with pytest.raises(InvalidSignature):
        cdn_keys.verify(url.replace("abc123", "abc124"), key_id="K1")


def test_a_key_that_is_not_a_pem_is_a_configuration_error() -> None:
    urls = CloudFrontUrls("d111.cloudfront.net", "K1", lambda: "unset")
    with pytest.raises(NotConfiguredError, match="CdnSigningKey"):
        urls.url("tarballs/x/abc.tgz", 60)


def test_a_rotated_key_is_used_at_once() -> None:
    keys = ["unset"]
    urls = CloudFrontUrls("d111.cloudfront.net", "K1", lambda: keys[0])
    with pytest.raises(NotConfiguredError):
        urls.url("tarballs/x/abc.tgz", 60)
    keys[0] = cdn_keys.private_pem()
    cdn_keys.verify(urls.url("tarballs/x/abc.tgz", 60), key_id="K1")
