"""The composition root: builds the stores for the configured backend, lazily, once.

Which settings they are built from is said once: `use(settings)` (the `tarbox` command, tests),
or nothing, and they are read from the environment (a Lambda, `tarbox serve`'s workers).

SDK imports happen inside the builders, so `/-/ping` never pays for boto3 or pynamodb, and moto's
mock is active before any client exists (tests call `use()` for each case).
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING

from chalicelib.registry import Registry
from chalicelib.settings import Settings
from chalicelib.storage.cached_signing_keys import CachedSigningKeyStore

if TYPE_CHECKING:
    from chalicelib.downloads.counter import DownloadCounter


# The settings `use()` was given; while none, `settings()` reads the environment.
_given: Settings | None = None


def use(config: Settings | None) -> None:
    """Build from `config` from now on (None: from the environment), dropping the stores built
    so far: the next `registry()` builds them afresh."""
    global _given  # noqa: PLW0603 - the one choice, made before anything is built
    _given = config
    settings.cache_clear()
    registry.cache_clear()
    download_counter.cache_clear()


@cache
def settings() -> Settings:
    return Settings.from_env() if _given is None else _given


@cache
def registry() -> Registry:
    config = settings()
    if config.backend == "aws":
        return _aws(config)
    if config.backend == "memory":
        return _memory(config)
    return _embedded(config)


def _memory(config: Settings) -> Registry:
    """Everything in this process's memory, and gone with it: for tests and trying things out.
    Nothing is shared with another process (`tarbox serve` needs `--workers 1`)."""
    from chalicelib.storage.embedded.secrets import ConfiguredSecrets
    from chalicelib.storage.memory.accounts import MemoryAccountStore
    from chalicelib.storage.memory.advisories import MemoryAdvisoryStore
    from chalicelib.storage.memory.billing import MemoryBillingStore
    from chalicelib.storage.memory.blobs import MemoryBlobStore
    from chalicelib.storage.memory.database import MemoryDatabase
    from chalicelib.storage.memory.downloads import MemoryDownloadStore
    from chalicelib.storage.memory.ephemeral import MemoryEphemeralStore
    from chalicelib.storage.memory.hooks import MemoryHookStore
    from chalicelib.storage.memory.orgs import MemoryOrgStore
    from chalicelib.storage.memory.packages import MemoryPackageStore
    from chalicelib.storage.memory.search import MemorySearchStore
    from chalicelib.storage.memory.signing_keys import MemorySigningKeyStore
    from chalicelib.storage.memory.stage import MemoryStageStore
    from chalicelib.storage.memory.trust import MemoryTrustStore

    db = MemoryDatabase()
    packages = MemoryPackageStore(db)
    return Registry(
        settings=config,
        packages=packages,
        changes=packages,
        indexes=packages,
        accounts=MemoryAccountStore(db),
        blobs=MemoryBlobStore(db),
        ephemeral=MemoryEphemeralStore(db),
        orgs=MemoryOrgStore(db),
        billing=MemoryBillingStore(db),
        secrets=ConfiguredSecrets(config),
        search=MemorySearchStore(db),
        downloads=MemoryDownloadStore(db),
        hooks=MemoryHookStore(db),
        advisories=MemoryAdvisoryStore(db),
        trust=MemoryTrustStore(db),
        stage=MemoryStageStore(db),
        signing_keys=MemorySigningKeyStore(db),
    )


def _embedded(config: Settings) -> Registry:
    from chalicelib.storage.embedded.accounts import SqliteAccountStore
    from chalicelib.storage.embedded.advisories import SqliteAdvisoryStore
    from chalicelib.storage.embedded.billing import SqliteBillingStore
    from chalicelib.storage.embedded.blobs import FileBlobStore
    from chalicelib.storage.embedded.database import SqliteDatabase
    from chalicelib.storage.embedded.downloads import SqliteDownloadStore
    from chalicelib.storage.embedded.ephemeral import SqliteEphemeralStore
    from chalicelib.storage.embedded.hooks import SqliteHookStore
    from chalicelib.storage.embedded.orgs import SqliteOrgStore
    from chalicelib.storage.embedded.packages import SqlitePackageStore
    from chalicelib.storage.embedded.search import SqliteSearchStore
    from chalicelib.storage.embedded.secrets import ConfiguredSecrets
    from chalicelib.storage.embedded.signing_keys import SqliteSigningKeyStore
    from chalicelib.storage.embedded.stage import SqliteStageStore
    from chalicelib.storage.embedded.trust import SqliteTrustStore

    db = SqliteDatabase(os.path.join(config.data_dir, "tarbox.sqlite3"))
    packages = SqlitePackageStore(db)
    return Registry(
        settings=config,
        packages=packages,
        changes=packages,
        indexes=packages,
        accounts=SqliteAccountStore(db),
        blobs=FileBlobStore(os.path.join(config.data_dir, "blobs")),
        ephemeral=SqliteEphemeralStore(db),
        orgs=SqliteOrgStore(db),
        billing=SqliteBillingStore(db),
        secrets=ConfiguredSecrets(config),
        search=SqliteSearchStore(db),
        downloads=SqliteDownloadStore(db),
        hooks=SqliteHookStore(db),
        advisories=SqliteAdvisoryStore(db),
        trust=SqliteTrustStore(db),
        stage=SqliteStageStore(db),
        signing_keys=CachedSigningKeyStore(SqliteSigningKeyStore(db)),
    )


def aws_credentials_found() -> bool:
    """Whether boto3 finds credentials (environment, profile, SSO, a role): without them the
    AWS backend cannot answer, and an operator is better told so in one line."""
    from chalicelib.storage.aws.blobs import credentials_found

    return credentials_found()


def _aws(config: Settings) -> Registry:
    from chalicelib.storage.aws.accounts import DynamoAccountStore
    from chalicelib.storage.aws.advisories import DynamoAdvisoryStore
    from chalicelib.storage.aws.billing import DynamoBillingStore
    from chalicelib.storage.aws.blobs import S3BlobStore, ensure_bucket
    from chalicelib.storage.aws.downloads import DynamoDownloadStore
    from chalicelib.storage.aws.ephemeral import DynamoEphemeralStore
    from chalicelib.storage.aws.hooks import DynamoHookStore
    from chalicelib.storage.aws.orgs import DynamoOrgStore
    from chalicelib.storage.aws.packages import DynamoPackageStore
    from chalicelib.storage.aws.search import DynamoSearchStore
    from chalicelib.storage.aws.secrets import SecretsManagerSecrets
    from chalicelib.storage.aws.stage import DynamoStageStore
    from chalicelib.storage.aws.table import ensure_table
    from chalicelib.storage.aws.trust import DynamoTrustStore

    if config.aws_endpoint_url:
        # An emulated AWS (moto's server, for tests and trying the AWS backend locally) starts
        # empty; on AWS itself infra/ creates the table and bucket.
        ensure_table(config)
        ensure_bucket(config)
    secrets = SecretsManagerSecrets(config)
    signing_keys = None
    if config.signing_keys_secret:
        from chalicelib.storage.aws.signing_keys import SecretsManagerSigningKeyStore

        store = SecretsManagerSigningKeyStore(config, config.signing_keys_secret)
        signing_keys = CachedSigningKeyStore(store)
    cdn = None
    if config.cdn_domain and config.cdn_key_id:
        from chalicelib.storage.aws.signed_urls import CloudFrontUrls

        cdn = CloudFrontUrls(config.cdn_domain, config.cdn_key_id, secrets.cdn_signing_key)
    edge = None
    if config.edge_parameter:
        from chalicelib.storage.aws.edge import CloudFrontEdge

        edge = CloudFrontEdge(config)
    packages = DynamoPackageStore(config)
    return Registry(
        settings=config,
        packages=packages,
        changes=packages,
        indexes=packages,
        accounts=DynamoAccountStore(config),
        blobs=S3BlobStore(config, cdn),
        ephemeral=DynamoEphemeralStore(config),
        orgs=DynamoOrgStore(config),
        billing=DynamoBillingStore(config),
        secrets=secrets,
        search=DynamoSearchStore(config),
        downloads=DynamoDownloadStore(config),
        hooks=DynamoHookStore(config),
        advisories=DynamoAdvisoryStore(config),
        trust=DynamoTrustStore(config),
        stage=DynamoStageStore(config),
        edge=edge,
        signing_keys=signing_keys,
    )


@cache
def download_counter() -> DownloadCounter:
    """The process's one buffer of uncounted downloads."""
    from chalicelib.downloads.counter import DownloadCounter

    return DownloadCounter(registry().downloads, settings().download_flush_seconds)
