"""Every contract test runs once per backend: "embedded" (SQLite + files, in tmp_path), "aws"
(DynamoDB + S3 through our adapters, on moto in process, a fresh table and bucket per test) and
"memory" (plain dicts, a fresh database per test).

A case that passes on one backend and fails on another is a bug in an adapter (or in moto,
see `serialize_moto`), never a reason to special-case the test.

TARBOX_CONTRACT_BACKENDS (comma-separated; all three by default) runs the suite on some only:
`make unit` runs it on "memory", in seconds. The few cases about one backend's own storage (the
DynamoDB table, old SQLite files) run when their backend does.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from chalicelib.settings import Settings
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.ports.advisories import AdvisoryStore
from chalicelib.storage.ports.billing import BillingStore
from chalicelib.storage.ports.blobs import BlobStore
from chalicelib.storage.ports.downloads import DownloadStore
from chalicelib.storage.ports.ephemeral import EphemeralStore
from chalicelib.storage.ports.hooks import HookStore
from chalicelib.storage.ports.orgs import OrgStore
from chalicelib.storage.ports.packages import PackageStore
from chalicelib.storage.ports.search import SearchStore
from chalicelib.storage.ports.signing_keys import SigningKeyStore
from chalicelib.storage.ports.stage import StageStore
from chalicelib.storage.ports.trust import TrustStore
from tests.contract.support import Clock, serialize_moto

if TYPE_CHECKING:
    from chalicelib.storage.embedded.database import SqliteDatabase
    from chalicelib.storage.memory.database import MemoryDatabase
    from tests.contract.legacy import LegacyWriter

ALL_BACKENDS = ("embedded", "aws", "memory")


def _backends(raw: str | None) -> list[str]:
    chosen = [b.strip() for b in (raw or ",".join(ALL_BACKENDS)).split(",") if b.strip()]
    unknown = sorted(set(chosen) - set(ALL_BACKENDS))
    if unknown or not chosen:
        raise pytest.UsageError(
            f"TARBOX_CONTRACT_BACKENDS names backends of {', '.join(ALL_BACKENDS)}, not {raw!r}"
        )
    return chosen


BACKENDS = _backends(os.environ.get("TARBOX_CONTRACT_BACKENDS"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the cases about one backend's own storage when that backend is not chosen:
    those that take no `backend` are about DynamoDB's table (they take its settings) or an
    old SQLite file."""
    here = Path(__file__).parent
    kept, left_out = [], []
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        own = None
        if item.path.is_relative_to(here) and "backend" not in fixtures:
            own = "aws" if {"aws_settings", "dynamo_settings"} & set(fixtures) else "embedded"
        (left_out if own is not None and own not in BACKENDS else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def aws_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings for a fresh table and bucket, with moto intercepting every AWS call."""
    from moto import mock_aws

    # Fake credentials, so nothing can reach a real account even if moto were not active.
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    suffix = uuid.uuid4().hex[:12]
    settings = Settings.from_env(
        {
            "TARBOX_BACKEND": "aws",
            "TARBOX_TABLE_NAME": f"tarbox-{suffix}",
            "TARBOX_BUCKET_NAME": f"tarbox-{suffix}",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    serialize_moto(monkeypatch)
    with mock_aws():
        yield settings


@pytest.fixture
def dynamo_settings(request: pytest.FixtureRequest) -> Settings:
    """A fresh table, created the way the local server creates it."""
    from chalicelib.storage.aws.table import ensure_table

    settings: Settings = request.getfixturevalue("aws_settings")
    ensure_table(settings)
    return settings


@pytest.fixture
def sqlite_db(tmp_path: Path) -> SqliteDatabase:
    from chalicelib.storage.embedded.database import SqliteDatabase

    return SqliteDatabase(str(tmp_path / "tarbox.db"))


@pytest.fixture
def memory_db() -> MemoryDatabase:
    from chalicelib.storage.memory.database import MemoryDatabase

    return MemoryDatabase()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def package_store(backend: str, request: pytest.FixtureRequest) -> PackageStore:
    if backend == "memory":
        from chalicelib.storage.memory.packages import MemoryPackageStore

        return MemoryPackageStore(request.getfixturevalue("memory_db"))
    if backend == "aws":
        from chalicelib.storage.aws.packages import DynamoPackageStore

        return DynamoPackageStore(request.getfixturevalue("dynamo_settings"))
    from chalicelib.storage.embedded.packages import SqlitePackageStore

    return SqlitePackageStore(request.getfixturevalue("sqlite_db"))


@pytest.fixture
def search_store(backend: str, request: pytest.FixtureRequest) -> SearchStore:
    if backend == "memory":
        from chalicelib.storage.memory.search import MemorySearchStore

        return MemorySearchStore(request.getfixturevalue("memory_db"))
    if backend == "aws":
        from chalicelib.storage.aws.search import DynamoSearchStore

        return DynamoSearchStore(request.getfixturevalue("dynamo_settings"))
    from chalicelib.storage.embedded.search import SqliteSearchStore

    return SqliteSearchStore(request.getfixturevalue("sqlite_db"))


@pytest.fixture
def advisory_store(backend: str, request: pytest.FixtureRequest) -> AdvisoryStore:
    if backend == "memory":
        from chalicelib.storage.memory.advisories import MemoryAdvisoryStore

        return MemoryAdvisoryStore(request.getfixturevalue("memory_db"))
    if backend == "aws":
        from chalicelib.storage.aws.advisories import DynamoAdvisoryStore

        return DynamoAdvisoryStore(request.getfixturevalue("dynamo_settings"))
    from chalicelib.storage.embedded.advisories import SqliteAdvisoryStore

    return SqliteAdvisoryStore(request.getfixturevalue("sqlite_db"))


@pytest.fixture
def signing_key_store(backend: str, request: pytest.FixtureRequest) -> SigningKeyStore:
    if backend == "memory":
        from chalicelib.storage.memory.signing_keys import MemorySigningKeyStore

        return MemorySigningKeyStore(request.getfixturevalue("memory_db"))
    if backend == "aws":
        from chalicelib.storage.aws.signing_keys import SecretsManagerSigningKeyStore

        settings: Settings = request.getfixturevalue("aws_settings")
        return SecretsManagerSigningKeyStore(settings, f"{settings.table_name}/signing-keys")
    from chalicelib.storage.embedded.signing_keys import SqliteSigningKeyStore

    return SqliteSigningKeyStore(request.getfixturevalue("sqlite_db"))


@pytest.fixture
def trust_store(backend: str, request: pytest.FixtureRequest) -> TrustStore:
    if backend == "memory":
        from chalicelib.storage.memory.trust import MemoryTrustStore

        return MemoryTrustStore(request.getfixturevalue("memory_db"))
    if backend == "aws":
        from chalicelib.storage.aws.trust import DynamoTrustStore

        return DynamoTrustStore(request.getfixturevalue("dynamo_settings"))
    from chalicelib.storage.embedded.trust import SqliteTrustStore

    return SqliteTrustStore(request.getfixturevalue("sqlite_db"))


@pytest.fixture
def stage_store(backend: str, request: pytest.FixtureRequest) -> StageStore:
    if backend == "memory":
        from chalicelib.storage.memory.stage import MemoryStageStore

        return MemoryStageStore(request.getfixturevalue("memory_db"))
    if backend == "aws":
        from chalicelib.storage.aws.stage import DynamoStageStore

        return DynamoStageStore(request.getfixturevalue("dynamo_settings"))
    from chalicelib.storage.embedded.stage import SqliteStageStore

    return SqliteStageStore(request.getfixturevalue("sqlite_db"))


@pytest.fixture
def download_store(backend: str, request: pytest.FixtureRequest) -> DownloadStore:
    if backend == "memory":
        from chalicelib.storage.memory.downloads import MemoryDownloadStore

        return MemoryDownloadStore(request.getfixturevalue("memory_db"))
    if backend == "aws":
        from chalicelib.storage.aws.downloads import DynamoDownloadStore

        return DynamoDownloadStore(request.getfixturevalue("dynamo_settings"))
    from chalicelib.storage.embedded.downloads import SqliteDownloadStore

    return SqliteDownloadStore(request.getfixturevalue("sqlite_db"))


@pytest.fixture
def hook_store(backend: str, request: pytest.FixtureRequest) -> HookStore:
    if backend == "memory":
        from chalicelib.storage.memory.hooks import MemoryHookStore

        return MemoryHookStore(request.getfixturevalue("memory_db"))
    if backend == "aws":
        from chalicelib.storage.aws.hooks import DynamoHookStore

        return DynamoHookStore(request.getfixturevalue("dynamo_settings"))
    from chalicelib.storage.embedded.hooks import SqliteHookStore

    return SqliteHookStore(request.getfixturevalue("sqlite_db"))


@pytest.fixture
def account_store(backend: str, request: pytest.FixtureRequest) -> AccountStore:
    if backend == "memory":
        from chalicelib.storage.memory.accounts import MemoryAccountStore

        return MemoryAccountStore(request.getfixturevalue("memory_db"))
    if backend == "aws":
        from chalicelib.storage.aws.accounts import DynamoAccountStore

        return DynamoAccountStore(request.getfixturevalue("dynamo_settings"))
    from chalicelib.storage.embedded.accounts import SqliteAccountStore

    return SqliteAccountStore(request.getfixturevalue("sqlite_db"))


@pytest.fixture
def org_store(backend: str, request: pytest.FixtureRequest) -> OrgStore:
    """Shares its database (or table) with this test's `account_store`."""
    if backend == "memory":
        from chalicelib.storage.memory.orgs import MemoryOrgStore

        return MemoryOrgStore(request.getfixturevalue("memory_db"))
    if backend == "aws":
        from chalicelib.storage.aws.orgs import DynamoOrgStore

        return DynamoOrgStore(request.getfixturevalue("dynamo_settings"))
    from chalicelib.storage.embedded.orgs import SqliteOrgStore

    return SqliteOrgStore(request.getfixturevalue("sqlite_db"))


@pytest.fixture
def billing_store(backend: str, request: pytest.FixtureRequest) -> BillingStore:
    if backend == "memory":
        from chalicelib.storage.memory.billing import MemoryBillingStore

        return MemoryBillingStore(request.getfixturevalue("memory_db"))
    if backend == "aws":
        from chalicelib.storage.aws.billing import DynamoBillingStore

        return DynamoBillingStore(request.getfixturevalue("dynamo_settings"))
    from chalicelib.storage.embedded.billing import SqliteBillingStore

    return SqliteBillingStore(request.getfixturevalue("sqlite_db"))


@pytest.fixture
def ephemeral_store(backend: str, request: pytest.FixtureRequest, clock: Clock) -> EphemeralStore:
    if backend == "memory":
        from chalicelib.storage.memory.ephemeral import MemoryEphemeralStore

        return MemoryEphemeralStore(request.getfixturevalue("memory_db"), clock=clock)
    if backend == "aws":
        from chalicelib.storage.aws.ephemeral import DynamoEphemeralStore

        return DynamoEphemeralStore(request.getfixturevalue("dynamo_settings"), clock=clock)
    from chalicelib.storage.embedded.ephemeral import SqliteEphemeralStore

    return SqliteEphemeralStore(request.getfixturevalue("sqlite_db"), clock=clock)


@pytest.fixture
def legacy(backend: str, request: pytest.FixtureRequest) -> LegacyWriter:
    """Writes rows and items shaped as releases before the port extensions wrote them, into the
    same database the stores of this test use."""
    from tests.contract.legacy import DynamoLegacyWriter, MemoryLegacyWriter, SqliteLegacyWriter

    if backend == "memory":
        return MemoryLegacyWriter(request.getfixturevalue("memory_db"))
    if backend == "aws":
        return DynamoLegacyWriter(request.getfixturevalue("dynamo_settings"))
    return SqliteLegacyWriter(request.getfixturevalue("sqlite_db"))


@pytest.fixture
def blob_store(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if backend == "memory":
        from chalicelib.storage.memory.blobs import MemoryBlobStore

        return MemoryBlobStore(request.getfixturevalue("memory_db"))
    if backend == "aws":
        from chalicelib.storage.aws.blobs import S3BlobStore, ensure_bucket

        settings: Settings = request.getfixturevalue("aws_settings")
        ensure_bucket(settings)
        return S3BlobStore(settings)
    from chalicelib.storage.embedded.blobs import FileBlobStore

    return FileBlobStore(str(tmp_path / "blobs"))
