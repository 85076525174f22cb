"""The storage records: the values the domain reads and writes through the ports
(`chalicelib/storage/ports/`), one frozen dataclass each, in npm's words.

The fields are the contract with every adapter: an adapter stores and returns exactly these.
How the adapters write them as text is `chalicelib/storage/codec.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


# --- packages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Maintainer:
    name: str
    email: str


@dataclass(frozen=True)
class PackageRecord:
    """The package item: everything about a package except its versions."""

    name: str
    rev: int
    dist_tags: dict[str, str]
    maintainers: tuple[Maintainer, ...]
    access: str  # "public" | "restricted"
    created: str
    modified: str
    # Top-level fields hoisted from the version `latest` points at (description, readme, …).
    meta: JSON = field(default_factory=dict)
    users: dict[str, bool] = field(default_factory=dict)  # stars, by user name
    deprecated: dict[str, str] = field(default_factory=dict)  # version -> message
    unpublished: dict[str, str] = field(default_factory=dict)  # version -> when it went
    # Set when the whole package was unpublished: {"time", "versions", "maintainers"}.
    tombstone: JSON | None = None
    # `npm access set mfa=`: "none", "publish" (publishing needs 2FA) or "automation" (2FA, or
    # a token made with --bypass-2fa).
    mfa: str = "none"


@dataclass(frozen=True)
class VersionRecord:
    """One published version: its manifest as served (without `dist.tarball`) and where its
    bytes are."""

    name: str
    version: str
    manifest: JSON
    tarball_key: str
    published: str
    publisher: str
    readme: str = ""


@dataclass(frozen=True)
class Change:
    """One entry of the change log: a write to a package, in the order writes committed."""

    seq: int  # 1, 2, 3 … in commit order; never reused
    name: str
    rev: int  # the package's rev after the write
    deleted: bool  # the write fully unpublished the package
    time: str  # when the write committed
    # What the write did, in npm hooks' words: {"event": "package:publish", "change": {…}}.
    events: tuple[JSON, ...] = ()
    # The package was private after the write: its events are only for those who may read it
    # as a private package, even once it is public (hooks judge access when they dispatch).
    private: bool = False


@dataclass(frozen=True)
class LogHead:
    """Where the change log stands: its last seq, the epoch its cursors carry (new for every
    new log, so a cursor from a replaced or restored registry is told apart), and the counts of
    live and fully unpublished packages."""

    seq: int
    epoch: str
    doc_count: int
    doc_del_count: int


# --- accounts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserRecord:
    name: str
    email: str
    password_hash: str
    created: str
    updated: str = ""  # compare-and-swap token for replace_user; "" until first replaced
    # npm profile fields: fullname, homepage, freenode, twitter, github, email_verified …
    profile: JSON = field(default_factory=dict)
    # Two-factor state: {"mode", "pending", "secret", "recovery": [sha256 hex …]} or None.
    tfa: JSON | None = None


@dataclass(frozen=True)
class TokenRecord:
    """A bearer token, stored only as the sha512 hex of its value (npm's token `key`)."""

    key: str
    user: str
    readonly: bool
    created: str
    prefix: str  # the first characters, shown redacted in token lists
    name: str | None = None
    description: str | None = None
    cidr_whitelist: tuple[str, ...] = ()
    expires: str | None = None  # ISO time; None: never
    # Granular tokens: {"packages": […], "scopes": […], "orgs": […], "packages_all": bool,
    # "permission": "read-only" | "read-write", "orgs_permission": …}; {} for a classic token.
    grants: JSON = field(default_factory=dict)
    kind: str = "session"  # "session" (from login) | "created" (npm token create)


@dataclass(frozen=True)
class ScopeRecord:
    scope: str
    owner: str  # the user, or the org, that owns it
    created: str
    kind: str = "user"  # "user" | "org"


# --- orgs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgRecord:
    name: str
    created: str


ORG_ROLES = ("owner", "admin", "developer")


# --- search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchEntry:
    """What the search index holds for one package: the result as served (`doc`), the terms it
    is found by with their weights, and the rank its postings are ordered by."""

    name: str
    doc: JSON
    terms: dict[str, float]
    rank: float  # 0..1: the best candidates of a term are read first
    access: str = "public"
    # The package's revision it was made from: the index never replaces an entry with an older
    # one (writes index after they commit, so their indexing can finish out of order).
    rev: int = 0


@dataclass(frozen=True)
class Posting:
    name: str
    weight: float
    rank: float
    access: str


# --- hooks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HookRecord:
    """An npm hook: `owner` hears of changes to a package, the packages of a scope, or the
    packages an owner maintains (`type` "package" | "scope" | "owner"), at `endpoint`."""

    id: str
    owner: str
    type: str
    name: str
    endpoint: str
    secret: str
    created: str
    updated: str


@dataclass(frozen=True)
class DeliveryRecord:
    """One event for one hook, and every attempt to deliver it (the hook's delivery log)."""

    id: str  # "<hook id>:<change seq, 12 digits>:<event index>": one per event and hook
    hook: str
    event: str
    payload: str  # the JSON body as it is signed and sent
    status: str  # "pending" | "delivered" | "failed"
    attempts: int
    next_attempt: float  # unix seconds
    created: str
    log: tuple[JSON, ...] = ()  # {"time", "status", "error"?} per attempt
    version: int = 1  # compare-and-swap: a delivery is claimed by moving it on


# --- advisories -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Advisory:
    """A security advisory on one package, as npm's bulk audit answers it (`vulnerable_versions`
    is a semver range); `id` is the advisory database's (OSV: GHSA-…)."""

    id: str
    package: str
    title: str
    url: str
    severity: str  # low | moderate | high | critical
    vulnerable_versions: str
    cwe: tuple[str, ...] = ()
    cvss_vector: str | None = None


# --- trusted publishers -----------------------------------------------------------------------


@dataclass(frozen=True)
class TrustedPublisher:
    """A CI workflow trusted to publish a package without a token (`npm trust`): what its OIDC
    ID token's claims must say (chalicelib/trust/)."""

    id: str
    package: str
    type: str  # "github" | "gitlab"
    claims: JSON  # in npm's shape: {"repository", "workflow_ref": {"file"}, "environment"?}
    permissions: tuple[str, ...]  # "createPackage", "createStagedPackage"
    created: str
    creator: str  # the user who made it


# --- staged versions --------------------------------------------------------------------------


@dataclass(frozen=True)
class StagedVersion:
    """A version staged for publishing (`npm stage publish`), waiting for one of the package's
    writers to approve it with a one-time password. What it would publish (manifest, readme,
    tarball, provenance) is kept as blobs beside it (chalicelib/publish/staged.py)."""

    id: str  # a UUID: npm checks the shape of the ids it is given
    package: str
    version: str
    tag: str
    access: str | None  # what the publish asked for, if anything
    created: str
    actor: str  # who staged it
    actor_type: str  # "user", or the trusted publisher's CI ("github", "gitlab")
    integrity: str
    shasum: str


# --- billing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRecord:
    """A scope's plan for private packages: the payment provider's subscription that pays for
    it, and an operator's setting, which wins while it is set."""

    scope: str
    subscription: str | None = None  # Stripe's subscription id (sub_…)
    customer: str | None = None  # Stripe's customer id (cus_…)
    linked: int = 0  # `created` (unix seconds) of the checkout event that linked them
    override: str | None = None  # `tarbox plan set`: a subscription status, or None
    updated: str = ""  # ISO time of the last change
    version: int = 0  # compare-and-swap: 1 for the first write


@dataclass(frozen=True)
class SubscriptionRecord:
    """The payment provider's subscription, as its events last described it."""

    id: str
    customer: str
    status: str  # Stripe's: active, trialing, past_due, unpaid, canceled, incomplete, …
    changed: int  # `created` (unix seconds) of the event that set `status`
    past_due_since: int | None = None  # when the current run of past_due began
    version: int = 0  # compare-and-swap: 1 for the first write


# --- signing keys -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    """One of the key pairs the registry signs versions with (chalicelib/signatures/)."""

    keyid: str  # "SHA256:…", the public key's fingerprint, as npm's keys are named
    private_key: str  # PKCS#8 PEM
    created: str  # ISO 8601
    expires: str | None = None  # ISO 8601; None for the key that signs now (or next)
    signs_from: str | None = None  # ISO 8601; None: from `created` (a rotated-in key waits)


@dataclass(frozen=True)
class KeyRing:
    """Every signing key, the current one and the rotated ones (kept so old signatures verify)."""

    keys: tuple[SigningKey, ...]
    version: str | None  # the stored value's version, for compare-and-swap; None: none stored


# --- short-lived items ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Expiring:
    """A short-lived document: web-login sessions, rate-limit windows, one-time codes."""

    kind: str
    key: str
    doc: JSON
    expires: float  # unix seconds; readers treat an expired item as missing
    version: int = 1


# --- blobs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredBlob:
    key: str
    modified: float  # seconds since the epoch
