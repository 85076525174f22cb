"""The composition root on the memory backend: TARBOX_BACKEND=memory builds a registry on memory
stores, and the whole app runs on it (a user, a publish, the documents, search), in this process
and with nothing written anywhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from chalice.test import Client

from app import app
from chalicelib import wiring
from chalicelib.settings import Settings
from chalicelib.storage.memory.accounts import MemoryAccountStore
from chalicelib.storage.memory.blobs import MemoryBlobStore
from chalicelib.storage.memory.packages import MemoryPackageStore
from chalicelib.storage.memory.signing_keys import MemorySigningKeyStore
from tests.builders import a_publish_body


@pytest.fixture
def on_memory(tmp_path: Path) -> Iterator[None]:
    env = {
        "TARBOX_BACKEND": "memory",
        "TARBOX_DATA_DIR": str(tmp_path / "data"),
        "TARBOX_PUBLIC_URL": "https://registry.example",
    }
    wiring.use(Settings.from_env(env))
    yield
    wiring.use(None)


def test_the_memory_backend_builds_every_store_in_memory(on_memory: None, tmp_path: Path) -> None:
    registry = wiring.registry()

    assert registry.settings.backend == "memory"
    assert isinstance(registry.packages, MemoryPackageStore)
    assert isinstance(registry.accounts, MemoryAccountStore)
    assert isinstance(registry.blobs, MemoryBlobStore)
    assert isinstance(registry.signing_keys, MemorySigningKeyStore)
    assert registry.edge is None
    assert wiring.registry() is registry  # built once (until wiring.use is called again)
    assert not (tmp_path / "data").exists()


def test_the_app_publishes_and_serves_on_the_memory_backend(on_memory: None) -> None:
    registry = wiring.registry()
    with Client(app, stage_name="test") as client:
        headers = {"content-type": "application/json"}
        added = client.http.put(
            "/-/user/org.couchdb.user:alice",
            headers=headers,
            body=json.dumps({"name": "alice", "password": "correct horse", "email": "a@x.example"}),
        )
        assert added.status_code == 201, added.body
        token = json.loads(added.body)["token"]
        published = client.http.put(
            "/left-pad",
            headers={**headers, "authorization": f"Bearer {token}"},
            body=json.dumps(a_publish_body("left-pad")),
        )
        assert published.status_code == 201, published.body

        document = json.loads(client.http.get("/left-pad").body)
        tarball = client.http.get(
            "/left-pad/-/left-pad-1.0.0.tgz", headers={"accept": "application/octet-stream"}
        )
        found = json.loads(client.http.get("/-/v1/search?text=left-pad").body)

    assert list(document["versions"]) == ["1.0.0"]
    version = registry.packages.get_version("left-pad", "1.0.0")
    assert version is not None
    assert tarball.status_code == 200
    assert tarball.body == registry.blobs.get(version.tarball_key)
    assert [o["package"]["name"] for o in found["objects"]] == ["left-pad"]
