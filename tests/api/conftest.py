"""The whole app through `chalice.test.Client`, on the AWS backend with moto in process."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib import wiring
from chalicelib.storage.dynamo import ensure_table
from chalicelib.storage.s3 import ensure_bucket

API_MAX_TARBALL_BYTES = 64 * 1024
API_MAX_FILES = 20


class Api:
    """A thin wrapper that speaks JSON and carries a token, like npm does."""

    def __init__(self, client: Client) -> None:
        self.client = client

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

    def add_user(self, name: str, password: str = "correct horse") -> str:
        body = {"name": name, "password": password, "email": f"{name}@example.com"}
        response = self.call("PUT", f"/-/user/org.couchdb.user:{name}", body)
        assert response.status_code == 201, response.body
        return str(json.loads(response.body)["token"])


def basic(name: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()


def body_of(response: Any) -> Any:
    return json.loads(response.body)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    # Stage "test" has no section in .chalice/config.json, so the Client adds only the top-level
    # environment (TARBOX_BACKEND=aws) to each request, and these settings stand.
    with mock_aws(), Client(app, stage_name="test") as client:
        monkeypatch.setenv("TARBOX_BACKEND", "aws")
        monkeypatch.setenv("TARBOX_TABLE_NAME", "tarbox-api")
        monkeypatch.setenv("TARBOX_BUCKET_NAME", "tarbox-api-blobs")
        monkeypatch.setenv("TARBOX_PUBLIC_URL", "https://registry.example")
        monkeypatch.setenv("TARBOX_MAX_TARBALL_BYTES", str(API_MAX_TARBALL_BYTES))
        monkeypatch.setenv("TARBOX_MAX_FILES", str(API_MAX_FILES))
        monkeypatch.delenv("TARBOX_AWS_ENDPOINT_URL", raising=False)
        wiring.reset()
        ensure_table(wiring.settings())
        ensure_bucket(wiring.settings())
        yield Api(client)
        wiring.reset()


@pytest.fixture
def alice(api: Api) -> str:
    return api.add_user("alice")
