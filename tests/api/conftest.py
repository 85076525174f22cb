"""The whole app through `chalice.test.Client`, on the AWS backend with moto in process.

Each `Api` carries its registry's settings, in the environment's terms (`TARBOX_…`), and the
wiring builds from exactly those (`wiring.use`), whatever the process's environment says: a test
changes one with `api.configure(TARBOX_…=…)`, and runs an operator command on the same settings
with `api.tarbox(…)`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib import cli, wiring
from chalicelib.settings import Settings
from chalicelib.storage.aws.blobs import ensure_bucket
from chalicelib.storage.aws.table import ensure_table
from tests import stripe_events
from tests.builders import a_publish_body, encoded
from tests.oidc_issuer import Issuer

API_MAX_TARBALL_BYTES = 64 * 1024
API_MAX_FILES = 20


class Api:
    """A thin wrapper that speaks JSON and carries a token, like npm does."""

    def __init__(self, client: Client, env: dict[str, str]) -> None:
        self.client = client
        self.env = env  # the registry's settings, named as in the environment (TARBOX_…)

    def configure(self, **changes: str | None) -> None:
        """Change settings as an operator changes a deployment's (None: unset one); the wiring
        builds the registry afresh from them."""
        for key, value in changes.items():
            if value is None:
                self.env.pop(key, None)
            else:
                self.env[key] = value
        wiring.use(Settings.from_env(self.env))

    def tarbox(self, *argv: str) -> int:
        """`tarbox …`, the operator's command, on this registry's settings."""
        return cli.main(list(argv), self.env)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        sent = {"content-type": "application/json", **(headers or {})}
        if token:
            sent["authorization"] = f"Bearer {token}"
        raw = body if isinstance(body, bytes) else (None if body is None else json.dumps(body))
        return self.client.http.request(method, path, headers=sent, body=raw or b"")

    def publish(
        self,
        name: str,
        version: str = "1.0.0",
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **body_options: Any,
    ) -> Any:
        """`npm publish` of `name@version`: the body `a_publish_body` builds (its options pass
        through: `access=`, `manifest=`, `tarball=`, `tag=`); answers the response."""
        body = a_publish_body(name, version, **body_options)
        return self.put_package(body, token=token, headers=headers)

    def put_package(
        self,
        body: dict[str, Any],
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """PUT a publish body (or a whole package document) to its package's path, the name
        spelled as npm spells it there (`@scope%2fname`)."""
        return self.call("PUT", f"/{encoded(body['name'])}", body, token=token, headers=headers)

    def add_user(self, name: str, password: str = "correct horse") -> str:
        body = {"name": name, "password": password, "email": f"{name}@example.com"}
        response = self.call("PUT", f"/-/user/org.couchdb.user:{name}", body)
        assert response.status_code == 201, response.body
        return str(json.loads(response.body)["token"])


def basic(name: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()


def body_of(response: Any) -> Any:
    return json.loads(response.body)


WEBHOOK_SECRET = "whsec_tarbox_api_tests"
SIGNING_KEYS_SECRET = "tarbox-api/signing-keys"


def common_settings(oidc_issuer: Issuer) -> dict[str, str]:
    """What both backends' registries are configured with here."""
    return {
        "TARBOX_PUBLIC_URL": "https://registry.example",
        "TARBOX_MAX_TARBALL_BYTES": str(API_MAX_TARBALL_BYTES),
        "TARBOX_MAX_FILES": str(API_MAX_FILES),
        "TARBOX_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "TARBOX_OIDC_ISSUERS": oidc_issuer.setting(),
    }


@pytest.fixture
def api(oidc_issuer: Issuer) -> Iterator[Api]:
    env = {
        **common_settings(oidc_issuer),
        "TARBOX_BACKEND": "aws",
        "TARBOX_TABLE_NAME": "tarbox-api",
        "TARBOX_BUCKET_NAME": "tarbox-api-blobs",
        # Hook endpoints here are made-up names no test may resolve (that would be a DNS query
        # leaving the machine); tests/api/test_hooks.py checks the refusal with addresses.
        "TARBOX_HOOK_PRIVATE_ENDPOINTS": "on",
        "TARBOX_SIGNING_KEYS_SECRET": SIGNING_KEYS_SECRET,
    }
    # The test client sets the stage's environment (TARBOX_BACKEND=aws) around each request:
    # these settings stand regardless, the wiring reads no environment once told what to use.
    with mock_aws(), Client(app, stage_name="test") as client:
        api = Api(client, env)
        api.configure()
        ensure_table(wiring.settings())
        ensure_bucket(wiring.settings())
        yield api
        wiring.use(None)


@pytest.fixture
def alice(request: pytest.FixtureRequest) -> str:
    # On the API the test uses: asking for `api` here would switch an `any_api` test's embedded
    # variant to the AWS backend (the `api` fixture has the wiring use its settings).
    fixture = "any_api" if "any_api" in request.fixturenames else "api"
    api: Api = request.getfixturevalue(fixture)
    return api.add_user("alice")


@pytest.fixture
def lib(any_api: Api, alice: str) -> str:
    """`lib@1.0.0`, published by alice on `any_api`; answers her token."""
    assert any_api.publish("lib", token=alice).status_code == 201
    return alice


@pytest.fixture(params=["embedded", "aws"])
def any_api(request: pytest.FixtureRequest, tmp_path: Path, oidc_issuer: Issuer) -> Iterator[Api]:
    """The same app on either backend: the embedded one (SQLite + files in tmp_path), or the AWS
    one on moto (the `api` fixture)."""
    if request.param == "aws":
        yield request.getfixturevalue("api")
        return
    env = {
        **common_settings(oidc_issuer),
        "TARBOX_BACKEND": "embedded",
        "TARBOX_DATA_DIR": str(tmp_path / "data"),
    }
    with Client(app, stage_name="test") as client:
        api = Api(client, env)
        api.configure()
        yield api
        wiring.use(None)


def deliver(
    api: Api,
    kind: str,
    obj: dict[str, Any],
    *,
    created: int | None = None,
    secret: str = WEBHOOK_SECRET,
    body: bytes | None = None,
    signature: str | None = None,
) -> Any:
    """POST one Stripe event, signed as Stripe signs it (unless `signature` says otherwise)."""
    raw = body if body is not None else stripe_events.event(kind, obj, created=created)
    sig = signature if signature is not None else stripe_events.signature(raw, secret)
    headers = {"stripe-signature": sig, "content-type": "application/json; charset=utf-8"}
    return api.client.http.request("POST", "/-/billing/stripe", headers=headers, body=raw)


def subscribe(api: Api, scope: str, status: str = "active", *, created: int | None = None) -> str:
    """A paid checkout for `scope`, then the subscription in `status`; returns its id."""
    sub_id, customer = f"sub_{scope}", f"cus_{scope}"
    checkout = stripe_events.checkout_completed(scope, sub_id, customer)
    assert deliver(api, "checkout.session.completed", checkout, created=created).status_code == 200
    if status != "active":
        update = stripe_events.subscription(sub_id, customer, status)
        answer = deliver(api, "customer.subscription.updated", update, created=created)
        assert answer.status_code == 200
    return sub_id
