"""The stores and settings a use case works with, bundled so routes pass one value inward."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.settings import Settings
from chalicelib.storage.ports import (
    AccountStore,
    AdvisoryStore,
    BillingStore,
    BlobStore,
    DownloadStore,
    EdgeStore,
    EphemeralStore,
    HookStore,
    OrgStore,
    PackageStore,
    SearchStore,
    SecretStore,
    SigningKeyStore,
    StageStore,
    TrustStore,
)


@dataclass(frozen=True)
class Registry:
    settings: Settings
    packages: PackageStore
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
