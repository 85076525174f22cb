"""The storage ports: what the domain needs from a backend, in npm's words.

Every adapter (DynamoDB + S3, SQLite + files) passes one contract suite (`tests/contract/`).
Concurrency is part of the contract: creates are conditional, package updates compare-and-swap
`rev`, a name@version is written once, and nothing does check-then-act.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

JSON = dict[str, Any]


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


@dataclass(frozen=True)
class OrgRecord:
    name: str
    created: str


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


ORG_ROLES = ("owner", "admin", "developer")


class OrgStore(Protocol):
    """Orgs, their members (with npm's roles) and teams. npm: every org has a `developers` team
    that new members join (the domain adds them; the store only stores)."""

    def create_org(self, org: OrgRecord, owner: str) -> None:
        """At once: claim the scope of the org's name (ScopeRecord kind="org", owner=org name),
        store the org, and make `owner` its first member with role "owner". ScopeClaimedError
        when the scope is taken (by a user or an org) and nothing is written."""

    def get_org(self, name: str) -> OrgRecord | None: ...

    def members(self, org: str) -> dict[str, str]:
        """user -> role."""

    def role_of(self, org: str, user: str) -> str | None:
        """The user's role in the org; None for a non-member. One point read."""

    def set_member(self, org: str, user: str, role: str) -> None:
        """Add or change a member (upsert). LastOwnerError if it would leave the org with no
        owner, decided atomically with the change (two owners demoting each other at once)."""

    def remove_member(self, org: str, user: str) -> bool:
        """Remove from the org and from all of its teams; True if they were a member.
        LastOwnerError if they are its last owner (atomically, as for set_member)."""

    def orgs_of(self, user: str) -> dict[str, str]:
        """org -> role, for every org the user belongs to."""

    def create_team(self, org: str, team: str, description: str) -> None:
        """ConflictError (TeamExistsError) if the team exists."""

    def delete_team(self, org: str, team: str) -> bool: ...

    def teams(self, org: str) -> dict[str, str]:
        """team -> description."""

    def team_members(self, org: str, team: str) -> list[str]:
        """Sorted user names."""

    def add_team_member(self, org: str, team: str, user: str) -> None: ...

    def remove_team_member(self, org: str, team: str, user: str) -> bool: ...

    def in_team(self, org: str, team: str, user: str) -> bool:
        """Whether the user is in the team. One point read."""

    def grant(self, org: str, team: str, package: str, permission: str) -> None:
        """Give a team "read-only" or "read-write" on a package (upsert). Deleting the team
        deletes its grants."""

    def revoke(self, org: str, team: str, package: str) -> bool: ...

    def team_packages(self, org: str, team: str) -> dict[str, str]:
        """package -> permission."""

    def package_grants(self, package: str) -> dict[str, str]:
        """ "org:team" -> permission, for every team granted this package."""

    def all_orgs(self) -> Iterator[OrgRecord]:
        """Every org, in no order: for `tarbox export` (a table scan on DynamoDB)."""


class PackageStore(Protocol):
    """Every write (create_package, add_version, update_package) appends one Change to the
    change log in the same transaction: a write that fails logs nothing, and a logged change
    is always visible in the package. `events` is what the write did (npm hooks' events);
    `revived` says an add_version publishes a fully unpublished package again (for the counts
    in the log head: the store does not read the old item to find out)."""

    def get_package(self, name: str) -> PackageRecord | None: ...

    def get_packages(self, names: Sequence[str]) -> dict[str, PackageRecord]:
        """The packages that exist among `names`, by name: one batch read."""

    def get_version(self, name: str, version: str) -> VersionRecord | None: ...

    def list_versions(self, name: str) -> list[VersionRecord]: ...

    def create_package(
        self, package: PackageRecord, version: VersionRecord, events: Sequence[JSON] = ()
    ) -> None:
        """Create package and first version at once.

        PackageExistsError if the name is taken, also by a name that differs only by case."""

    def add_version(
        self,
        package: PackageRecord,
        version: VersionRecord,
        expected_rev: int,
        events: Sequence[JSON] = (),
        *,
        revived: bool = False,
    ) -> None:
        """Write a new version and the updated package at once. VersionExistsError when the
        version was ever written; ConcurrentModificationError when `rev` moved on."""

    def update_package(
        self, package: PackageRecord, expected_rev: int, events: Sequence[JSON] = ()
    ) -> None:
        """Replace the package item if its rev is still `expected_rev`. The old package is
        never a tombstone (the domain refuses to change one), so a tombstone here deletes."""

    def changes_since(self, seq: int, limit: int) -> list[Change]:
        """Up to `limit` changes with a seq above `seq`, in seq order."""

    def log_head(self) -> LogHead:
        """The log's head; seq 0 (and a fresh epoch, kept once anything is written) when the
        log is empty."""

    def index_dependencies(
        self, dependent: str, version: str, dependencies: list[str], *, present: bool
    ) -> None:
        """Record (present=True) or forget that dependent@version depends on each name in
        `dependencies`. A derived index: written after the version, rebuildable."""

    def dependents(self, name: str) -> list[str]:
        """The distinct packages, other than `name`, with a recorded version depending on it."""

    def packages_in_scope(self, scope: str) -> list[str]:
        """The names of every package ever created under `@scope/` (fully unpublished ones
        included: the caller reads each package), sorted."""

    def index_maintainer(self, user: str, package: str, *, present: bool) -> None:
        """Record (present=True) or forget that `user` maintains `package`: the index behind
        `maintained_by`. A derived index, written after the package item, which is the truth."""

    def maintained_by(self, user: str) -> list[str]:
        """Packages the index says `user` maintains, sorted (the caller confirms each)."""


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


class SearchStore(Protocol):
    """An inverted index: per term, the packages it finds, best rank first. Reading one term's
    best postings is one range read, however many packages there are."""

    def put_entries(self, entries: Sequence[SearchEntry]) -> None:
        """Replace each package's entry and postings (the old terms' postings go), unless
        the stored entry (or removal) is of a newer revision: then that entry is left as is."""

    def remove_entry(self, name: str, rev: int) -> None:
        """Remove the entry and its postings as of revision `rev` (a package unpublished at
        it): an entry of a newer revision stays, and an older one cannot be put back."""

    def postings(self, term: str, limit: int) -> list[Posting]:
        """Up to `limit` postings of `term`, by rank, best first (ties by name)."""

    def entries(self, names: Sequence[str]) -> dict[str, SearchEntry]:
        """The entries that exist among `names`: one batch read."""


class DownloadStore(Protocol):
    """Download counts by package, version and day (YYYY-MM-DD, UTC)."""

    def add_counts(self, counts: Mapping[tuple[str, str, str], int]) -> None:
        """Add (never replace) each (package, version, day) -> n; version "" counts toward the
        day alone. Safe to run twice at once: additions commute."""

    def daily(self, package: str, start: str, end: str) -> dict[str, int]:
        """day -> downloads, for the days from `start` to `end` (inclusive) that have any."""

    def all_counts(self) -> Iterator[tuple[str, str, str, int]]:
        """Every stored count as (package, version, day, n), in no order, such that
        `add_counts` of them all into an empty store stores the same counts: a version's count
        of a day, and (version "") the rest of the day's count. For `tarbox export`."""


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


class AdvisoryStore(Protocol):
    """Security advisories by package, for `npm audit`."""

    def put_advisories(self, advisories: Sequence[Advisory]) -> None:
        """Add each advisory to its package's, replacing one with the same id."""

    def advisories_for(self, names: Sequence[str]) -> dict[str, list[Advisory]]:
        """name -> its advisories (by id), for the names that have any: batch reads."""


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


class TrustStore(Protocol):
    """Trusted publishers by package."""

    def trusted_publishers(self, package: str) -> list[TrustedPublisher]:
        """The package's, oldest first."""

    def add_trusted_publishers(self, package: str, added: Sequence[TrustedPublisher]) -> None:
        """Add them to the package's."""

    def remove_trusted_publisher(self, package: str, id: str) -> bool:
        """Remove one; False when the package has none with that id."""


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


class StageStore(Protocol):
    """Staged versions by package, and by id."""

    def stage(self, staged: StagedVersion) -> None:
        """VersionExistsError when that version of the package is staged already."""

    def staged(self, id: str) -> StagedVersion | None: ...

    def staged_versions(self, package: str) -> list[StagedVersion]:
        """The package's, oldest first."""

    def unstage(self, id: str) -> bool:
        """False when none has that id."""


class HookStore(Protocol):
    def create_hook(self, hook: HookRecord) -> None:
        """With the owner's list and the index `watching` reads, at once.
        ConcurrentModificationError when a hook with that id exists."""

    def get_hook(self, hook_id: str) -> HookRecord | None: ...

    def replace_hook(self, hook: HookRecord) -> None:
        """A new endpoint or secret (the type and name of a hook never change). A hook that
        is gone stays gone: ConcurrentModificationError."""

    def delete_hook(self, hook_id: str) -> None: ...

    def hooks_of(self, owner: str) -> list[HookRecord]:
        """Oldest first."""

    def watching(self, kind: str, name: str) -> list[HookRecord]:
        """The hooks of `type` kind on `name`."""

    def add_delivery(self, delivery: DeliveryRecord) -> bool:
        """False when a delivery with that id exists (dispatching twice adds nothing)."""

    def due_deliveries(self, now: float, limit: int) -> list[DeliveryRecord]:
        """Pending deliveries whose next attempt is at `now` or before, the longest waiting
        first: a hook whose endpoint keeps failing cannot starve the others."""

    def update_delivery(self, delivery: DeliveryRecord) -> None:
        """Replace if the stored one is at `delivery.version - 1`, else
        ConcurrentModificationError: two workers never both send one delivery."""

    def deliveries_of(self, hook_id: str, limit: int) -> list[DeliveryRecord]:
        """The newest first."""

    def hook_cursor(self) -> int:
        """The last change-log seq dispatched to hooks (0 at first)."""

    def move_hook_cursor(self, old: int, new: int) -> bool:
        """Compare-and-swap; False when another worker moved it first."""

    def all_hooks(self) -> Iterator[HookRecord]:
        """Every hook, in no order: for `tarbox export`."""


class AccountStore(Protocol):
    def create_user(self, user: UserRecord) -> None:
        """Create the user and claim the scope of their name at once; UserExistsError if either
        is taken."""

    def get_user(self, name: str) -> UserRecord | None: ...

    def replace_user(self, user: UserRecord, expected_updated: str) -> None:
        """Replace the user if its `updated` is still `expected_updated`, else
        ConcurrentModificationError. `user.updated` must be new (a fresh timestamp)."""

    def list_tokens(self, user: str) -> list[TokenRecord]: ...

    def put_token(self, token: TokenRecord) -> None: ...

    def get_token(self, key: str) -> TokenRecord | None: ...

    def delete_token(self, key: str) -> None: ...

    def get_scope(self, scope: str) -> ScopeRecord | None: ...

    def claim_scope(self, scope: ScopeRecord) -> None:
        """ScopeClaimedError if someone claimed it first."""

    def set_star(self, user: str, package: str, *, starred: bool) -> None:
        """The index behind `npm stars`; the package item's `users` is the source of truth."""

    def starred_by(self, user: str) -> list[str]: ...

    def all_users(self) -> Iterator[UserRecord]:
        """Every account, in no order: for `tarbox export` (a table scan on DynamoDB). A
        user's scope, tokens and stars are read with the methods above."""


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


class BillingStore(Protocol):
    """Plans and subscriptions. Writes compare-and-swap `version`: a record is written only if
    the stored one is at `version - 1` (a missing one counts as 0), else
    ConcurrentModificationError."""

    def get_plan(self, scope: str) -> PlanRecord | None: ...

    def put_plan(self, plan: PlanRecord) -> None: ...

    def get_subscription(self, subscription: str) -> SubscriptionRecord | None: ...

    def put_subscription(self, subscription: SubscriptionRecord) -> None: ...

    def all_plans(self) -> Iterator[PlanRecord]:
        """Every plan, in no order: for `tarbox export`."""

    def all_subscriptions(self) -> Iterator[SubscriptionRecord]:
        """Every subscription, in no order: for `tarbox export`."""


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


class SigningKeyStore(Protocol):
    """The registry's signing keys (Secrets Manager on AWS, the database on the embedded one)."""

    def load(self, *, fresh: bool = False) -> KeyRing:
        """The stored keys; read at most a few minutes ago unless `fresh`."""

    def save(self, keys: Sequence[SigningKey], expected_version: str | None) -> None:
        """Store `keys` if the stored value is still `expected_version` (None: nothing stored
        yet); ConflictError when another writer came first."""


class SecretStore(Protocol):
    """Secrets the registry is configured with (Secrets Manager on AWS)."""

    def billing_webhook_secrets(self) -> list[str]:
        """The payment provider's webhook signing secrets; [] when none is configured. Several
        while one is being rotated."""

    def cdn_signing_key(self) -> str | None:
        """The PEM private key CloudFront URLs are signed with; None without a CDN."""


@dataclass(frozen=True)
class Expiring:
    """A short-lived document: web-login sessions, rate-limit windows, one-time codes."""

    kind: str
    key: str
    doc: JSON
    expires: float  # unix seconds; readers treat an expired item as missing
    version: int = 1


class EphemeralStore(Protocol):
    def put_new(self, item: Expiring) -> None:
        """Create it; ConflictError if a live item with that kind and key exists."""

    def get(self, kind: str, key: str) -> Expiring | None:
        """None when missing or expired."""

    def replace(self, item: Expiring, expected_version: int) -> None:
        """Replace if the live item's version is `expected_version` (item.version must be
        expected_version + 1); else ConcurrentModificationError."""

    def delete(self, kind: str, key: str, expected_version: int | None = None) -> bool:
        """Delete (only if at `expected_version`, when given); True if this call deleted it."""

    def increment(self, kind: str, key: str, window_seconds: float) -> int:
        """Count one event in the window that starts at the first event; return the count so far
        (a new window starts once the old one expired). Atomic."""


class EdgeStore(Protocol):
    """The CDN in front of the registry (AWS: CloudFront): where it is, the public copies of
    tarballs it serves without calling the registry, its cached answers, its access logs."""

    def url(self) -> str | None:
        """Its public URL (https://…), or None when it cannot be told now."""

    def shared_files(self, name: str) -> set[str]:
        """The tarball file names of `name` it serves from public copies."""

    def share(self, name: str, file: str, tarball_key: str) -> None:
        """Make the public copy of the stored tarball at `tarball_key`."""

    def withdraw(self, name: str, file: str) -> None: ...

    def invalidate(self, paths: Sequence[str]) -> None:
        """Drop its cached answers for these URL paths (exact, as clients send them)."""

    def access_logs(self, limit: int, after: str | None = None) -> list[str]:
        """Up to `limit` access log files still in place, oldest first (after `after`)."""

    def read_log(self, log: str) -> bytes | None: ...

    def delete_log(self, log: str) -> None: ...


@dataclass(frozen=True)
class StoredBlob:
    key: str
    modified: float  # seconds since the epoch


class BlobStore(Protocol):
    """Tarballs and rendered documents, by key."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None:
        """Remove the blob (a missing one is no error), and any folder it leaves empty."""

    def list_blobs(self, prefix: str) -> Iterator[StoredBlob]:
        """Every blob whose key starts with `prefix`, in no order; for `tarbox fsck`."""

    def empty_folders(self) -> list[str]:
        """Folders that hold nothing (only stores with folders have them: files)."""

    def delete_folder(self, key: str) -> None:
        """Remove a folder of `empty_folders` if it is still empty."""

    def download_url(self, key: str, expires_in: int) -> str | None:
        """A short-lived URL the client can fetch directly, or None to serve the bytes ourselves."""

    def local_path(self, key: str) -> str | None:
        """A file the local server may stream, or None."""
