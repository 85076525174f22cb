"""Delivery on AWS: tarballs and oversized packuments answer 302 to short-lived CloudFront signed
URLs (verified offline with the public key), only after the access check; publishes near
Lambda's request limit fit, and larger ones get npm's 413 naming the limit."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator

import pytest

from chalicelib import wiring
from chalicelib.settings import AWS_MAX_TARBALL_BYTES
from tests import cdn_keys
from tests.api.conftest import Api, body_of, subscribe
from tests.builders import a_publish_body, a_tarball

CDN = "d3tarbox.cloudfront.net"
KEY_ID = "K3TARBOXTESTKEY"
LAMBDA_REQUEST_LIMIT = 6 * 1024 * 1024


@pytest.fixture
def cdn_api(api: Api) -> Iterator[Api]:
    import boto3

    manager = boto3.client("secretsmanager", region_name="us-east-1")
    arn = manager.create_secret(Name="tarbox-cdn-key", SecretString=cdn_keys.private_pem())["ARN"]
    api.configure(
        TARBOX_CDN_DOMAIN=CDN, TARBOX_CDN_KEY_ID=KEY_ID, TARBOX_CDN_SIGNING_KEY_SECRET=arn
    )
    yield api


def test_a_tarball_is_a_signed_cloudfront_redirect(cdn_api: Api, alice: str) -> None:
    cdn_api.call("PUT", "/lib", a_publish_body("lib"), token=alice)
    answer = cdn_api.call("GET", "/lib/-/lib-1.0.0.tgz")
    assert answer.status_code == 302
    assert answer.headers["Cache-Control"] == "no-store"
    location = answer.headers["Location"]
    assert location.startswith(f"https://{CDN}/tarballs/lib/")
    expires = cdn_keys.verify(location, key_id=KEY_ID)
    assert expires <= time.time() + wiring.settings().tarball_url_ttl + 1


def test_a_private_tarball_is_signed_only_for_readers(cdn_api: Api, alice: str) -> None:
    subscribe(cdn_api, "alice")
    body = a_publish_body("@alice/secret", access="restricted")
    cdn_api.call("PUT", "/@alice%2fsecret", body, token=alice)
    path = "/@alice/secret/-/secret-1.0.0.tgz"
    hidden = cdn_api.call("GET", path)
    assert hidden.status_code == 404 and "Location" not in hidden.headers
    shown = cdn_api.call("GET", path, token=alice)
    assert shown.status_code == 302
    cdn_keys.verify(shown.headers["Location"], key_id=KEY_ID)


def test_a_packument_too_large_for_lambda_is_redirected(cdn_api: Api, alice: str) -> None:
    cdn_api.configure(TARBOX_MAX_RESPONSE_BYTES="2000")
    body = a_publish_body("big")
    body["versions"]["1.0.0"]["readme"] = "x" * 3000  # in the full document only
    cdn_api.call("PUT", "/big", body, token=alice)
    full = cdn_api.call("GET", "/big")
    assert full.status_code == 302 and full.headers["Cache-Control"] == "no-store"
    assert full.headers["Location"].startswith(f"https://{CDN}/packuments/big/")
    assert full.headers["Location"].split("?")[0].endswith("/full.json")
    cdn_keys.verify(full.headers["Location"], key_id=KEY_ID)
    corgi = cdn_api.call("GET", "/big", headers={"accept": "application/vnd.npm.install-v1+json"})
    assert corgi.status_code == 200 and body_of(corgi)["name"] == "big"


def test_a_publish_at_the_limit_fits_in_a_lambda_request(api: Api, alice: str) -> None:
    """With AWS's default limit (about 4.4 MB of tarball) the API Gateway event of the largest
    publish stays under Lambda's 6 MB request payload, and it is published; one byte more is
    refused with npm's 413 naming the limit, before the body reaches anything else."""
    api.configure(TARBOX_MAX_TARBALL_BYTES=None)
    assert wiring.settings().max_tarball_bytes == AWS_MAX_TARBALL_BYTES
    tarball = _incompressible_tarball("edge", AWS_MAX_TARBALL_BYTES)
    body = json.dumps(a_publish_body("edge", tarball=tarball))
    event = {
        "resource": "/{p1}",
        "path": "/edge",
        "httpMethod": "PUT",
        "headers": {"content-type": "application/json", "authorization": f"Bearer {alice}"},
        "pathParameters": {"p1": "edge"},
        "requestContext": {"stage": "api", "identity": {"sourceIp": "203.0.113.7"}},
        "body": body,
        "isBase64Encoded": False,
    }
    assert AWS_MAX_TARBALL_BYTES - 64 * 1024 < len(tarball) <= AWS_MAX_TARBALL_BYTES
    assert len(json.dumps(event).encode()) < LAMBDA_REQUEST_LIMIT
    assert api.call("PUT", "/edge", body.encode(), token=alice).status_code == 201
    over = a_publish_body("edge", "1.0.1", tarball=os.urandom(AWS_MAX_TARBALL_BYTES + 1))
    refused = api.call("PUT", "/edge", over, token=alice)
    assert refused.status_code == 413
    assert body_of(refused)["error"] == "Tarball too large for this registry (max 4.4 MB)"


def _incompressible_tarball(name: str, limit: int) -> bytes:
    """A valid npm tarball just under `limit` bytes: random content does not compress."""
    size = limit - 16 * 1024
    while True:
        tarball = a_tarball(name, "1.0.0", files={"blob.bin": os.urandom(size)})
        if len(tarball) <= limit:
            return tarball
        size -= len(tarball) - limit + 1024


def test_the_limit_counts_the_response_as_lambda_carries_it(cdn_api: Api, alice: str) -> None:
    """Lambda's runtime sends the body as a JSON string: every quote is escaped again. A
    document under the limit in bytes but over it escaped is redirected too."""
    body = a_publish_body("quotes", manifest={"description": '"' * 3000})
    cdn_api.call("PUT", "/quotes", body, token=alice)
    raw = cdn_api.call("GET", "/quotes").body
    escaped = len(json.dumps(raw.decode()))
    assert escaped > len(raw) + 3000
    cdn_api.configure(TARBOX_MAX_RESPONSE_BYTES=str((len(raw) + escaped) // 2))
    assert cdn_api.call("GET", "/quotes").status_code == 302
