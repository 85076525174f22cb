"""The stores and settings a use case works with, bundled so routes pass one value inward."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.settings import Settings
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.ports.advisories import AdvisoryStore
from chalicelib.storage.ports.billing import BillingStore
from chalicelib.storage.ports.blobs import BlobStore
from chalicelib.storage.ports.changes import ChangeLog
from chalicelib.storage.ports.downloads import DownloadStore
from chalicelib.storage.ports.edge import EdgeStore
from chalicelib.storage.ports.ephemeral import EphemeralStore
from chalicelib.storage.ports.hooks import HookStore
from chalicelib.storage.ports.indexes import PackageIndexes
from chalicelib.storage.ports.orgs import OrgStore
from chalicelib.storage.ports.packages import PackageStore
from chalicelib.storage.ports.search import SearchStore
from chalicelib.storage.ports.secrets import SecretStore
from chalicelib.storage.ports.signing_keys import SigningKeyStore
from chalicelib.storage.ports.stage import StageStore
from chalicelib.storage.ports.trust import TrustStore


@dataclass(frozen=True)
class Registry:
    settings: Settings
    packages: PackageStore
    # The change log and the indexes are ports of their own, served by the packages' adapter
    # (the log is written in the same transaction as each package write).
    changes: ChangeLog
    indexes: PackageIndexes
    accounts: AccountStore
    blobs: BlobStore
    ephemeral: EphemeralStore
    orgs: OrgStore
    billing: BillingStore
    secrets: SecretStore
    search: SearchStore
    downloads: DownloadStore
    hooks: HookStore
    advisories: AdvisoryStore
    trust: TrustStore
    stage: StageStore
    # AWS with CloudFront in front (infra/): None on the embedded backend, which has no CDN.
    edge: EdgeStore | None = None
    # The keys versions are signed with: None on AWS without a secret for them (no signatures).
    signing_keys: SigningKeyStore | None = None
