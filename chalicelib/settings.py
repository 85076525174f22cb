"""Deployment settings. The only reader of environment variables; fails fast when one is missing."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

MB = 1024 * 1024
# API Gateway -> Lambda carries at most 6 MB; npm's publish body is ~1.35x the tarball
# (base64 plus manifest and readme), so about 4.4 MiB of tarball fits. See docs/configuration.md.
AWS_MAX_TARBALL_BYTES = int(4.4 * MB)
EMBEDDED_MAX_TARBALL_BYTES = 100 * MB
# Lambda's response payload limit is 6 MB, the JSON envelope (headers, status) included.
AWS_MAX_RESPONSE_BYTES = int(5.5 * MB)


# "memory" keeps everything in the one process's memory: for tests and trying things out.
BACKENDS = ("embedded", "aws", "memory")

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
# The CIs npm's trusted publishing speaks for (npm trust github|gitlab), and their issuers.
OIDC_PROVIDERS = ("github", "gitlab")
MAX_QUARANTINE_HOURS = 24 * 366
DEFAULT_OIDC_ISSUERS = (
    "github=https://token.actions.githubusercontent.com,gitlab=https://gitlab.com"
)


class SettingsError(RuntimeError):
    """A required setting is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    backend: str  # "embedded" | "aws" | "memory" (one process, nothing kept: tests, trials)
    public_url: str | None  # None: derive from the request's Host header
    data_dir: str
    table_name: str
    bucket_name: str
    aws_region: str
    aws_endpoint_url: str | None  # moto's server in tests; None on AWS
    max_tarball_bytes: int
    max_files: int
    scope_claiming: bool
    tarball_url_ttl: int
    # npm's unpublish policy: maintainers may unpublish within this window of a version's
    # publish; later only when nothing else in the registry depends on the package.
    unpublish_window_hours: int
    # A fully unpublished name stays blocked this long for everyone but its former owners.
    unpublished_name_block_hours: int
    # Set by `tarbox serve`: it sends stored files and compressed copies itself, and answers
    # with a bounded set of base URLs (no Lambda envelope, no API Gateway in front).
    local_server: bool
    # The payment provider's webhook signing secret(s), comma-separated while rotating; on AWS
    # rather the ARN of a Secrets Manager secret holding them (infra/ makes one).
    stripe_webhook_secret: str
    stripe_webhook_secret_arn: str | None
    # How long a past_due plan keeps private publishing open (docs/billing.md).
    plan_grace_days: int
    # CloudFront in front of the bucket (infra/): tarballs and large packuments are answered
    # with URLs signed for this key pair, the private key read from the named secret.
    cdn_domain: str | None
    cdn_key_id: str | None
    cdn_signing_key_secret: str | None
    # A packument larger than this is answered with a redirect to its stored copy: a Lambda
    # response carries at most 6 MB. None: no limit (the local server streams anything).
    max_response_bytes: int | None
    tracing: bool  # powertools Tracer (X-Ray); off by default, it costs cold-start time
    on_lambda: bool  # the Lambda runtime runs us (it sets AWS_LAMBDA_FUNCTION_NAME): emit metrics
    commit: str  # the deployed commit, for /-/status ("unknown" when nobody said)
    # Tarball downloads are counted in memory and stored in batches at most this far apart.
    download_flush_seconds: int = 30
    # A hook delivery that failed is tried again after this many seconds, doubling each time.
    hook_retry_seconds: int = 10
    # Whether hooks may send to loopback and private addresses (hooks/endpoints.py).
    hook_private_endpoints: bool = True
    # How often the background worker walks the log to refresh search popularity; 0: never.
    search_refresh_hours: int = 24
    # `tarbox serve`: the address it is bound to, as a URL (the default public URL when none is
    # configured), and the threads per worker that run everything but the hot reads.
    bound_url: str | None = None
    serve_threads: int = 0  # 0: by backend (server/worker.py)
    # The lock file whose holder, among `tarbox serve`'s workers, runs the background work.
    leader_lock: str | None = None
    # AWS: the CloudFront distribution in front of the API (infra/, docs/cost.md). Its URL and
    # id are in the named SSM parameter (the stack cannot hand them to the function directly:
    # the distribution's origin is the API, whose integration is the function). Its access
    # logs (for download counts) land in the log bucket. The secret is an origin header only
    # the distribution sends, so the viewer's address it adds can be believed.
    edge_parameter: str | None = None
    edge_log_bucket: str | None = None
    edge_secret: str | None = None
    # How long the edge may keep a public packument (s-maxage) before it revalidates its ETag;
    # every change to a package also invalidates the edge's copies.
    edge_max_age: int = 300
    # AWS: the Secrets Manager secret holding the registry's signing keys (infra/ makes it);
    # None: versions are not signed. The embedded backend keeps its keys in its database.
    signing_keys_secret: str | None = None
    # Trusted publishing: the OIDC issuers whose ID tokens npm may exchange for a publish token,
    # each as (the CI it speaks for, its issuer URL: the ID tokens' `iss`).
    oidc_issuers: tuple[tuple[str, str], ...] = ()
    # The release-age quarantine (packuments/quarantine.py): versions younger than this many
    # hours are hidden; 0, as on npmjs: none. Per scope (an org's) it is `quarantine_orgs`, and
    # the names (or `@scope/*`) of `quarantine_except` are never held back.
    quarantine_hours: float = 0
    quarantine_orgs: tuple[tuple[str, float], ...] = ()
    quarantine_except: tuple[str, ...] = ()
    # The read-through cache (chalicelib/upstream/): which registry each name is fetched from
    # when this one lacks it, as (route, URL) with route `*` or `@scope`; the token sent to a
    # route's upstream; how long a fetched document is served before it is revalidated; the
    # names (or patterns, `@types/*`) fetched, when not all are, and those never fetched.
    upstreams: tuple[tuple[str, str], ...] = ()
    upstream_tokens: tuple[tuple[str, str], ...] = ()
    upstream_ttl: int = 300
    upstream_allow: tuple[str, ...] = ()
    upstream_deny: tuple[str, ...] = ()

    def local_base_urls(self) -> frozenset[str]:
        """The base URLs `tarbox serve` answers with (each has its own stored documents, so the
        set is bounded): its bound URL, and when that is a loopback address, the other names of
        loopback on the same port (npm users write `localhost`)."""
        return _local_base_urls(self.bound_url)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        backend = env.get("TARBOX_BACKEND", "embedded")
        if backend not in BACKENDS:
            raise SettingsError(
                "TARBOX_BACKEND must be 'embedded' (SQLite + files), 'aws' (DynamoDB + S3) or"
                f" 'memory' (in this process only, nothing kept), not {backend!r}"
            )
        aws = backend == "aws"
        default_max = AWS_MAX_TARBALL_BYTES if aws else EMBEDDED_MAX_TARBALL_BYTES
        cdn = [env.get(k) for k in ("TARBOX_CDN_DOMAIN", "TARBOX_CDN_KEY_ID")]
        if any(cdn) and not all(cdn):
            raise SettingsError("TARBOX_CDN_DOMAIN and TARBOX_CDN_KEY_ID go together")
        return cls(
            backend=backend,
            public_url=(env.get("TARBOX_PUBLIC_URL") or "").rstrip("/") or None,
            data_dir=env.get("TARBOX_DATA_DIR", "./data"),
            table_name=_required(env, "TARBOX_TABLE_NAME") if aws else "",
            bucket_name=_required(env, "TARBOX_BUCKET_NAME") if aws else "",
            aws_region=env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or "us-east-1",
            aws_endpoint_url=env.get("TARBOX_AWS_ENDPOINT_URL") or None,
            max_tarball_bytes=_int(env, "TARBOX_MAX_TARBALL_BYTES", default_max),
            max_files=_int(env, "TARBOX_MAX_FILES", 10_000),
            scope_claiming=env.get("TARBOX_SCOPE_CLAIMING", "on") != "off",
            tarball_url_ttl=_int(env, "TARBOX_TARBALL_URL_TTL", 300),
            unpublish_window_hours=_int(env, "TARBOX_UNPUBLISH_WINDOW_HOURS", 72),
            unpublished_name_block_hours=_int(env, "TARBOX_UNPUBLISHED_NAME_BLOCK_HOURS", 24),
            local_server=env.get("TARBOX_LOCAL_SERVER") == "1",
            stripe_webhook_secret=env.get("TARBOX_STRIPE_WEBHOOK_SECRET", ""),
            stripe_webhook_secret_arn=env.get("TARBOX_STRIPE_WEBHOOK_SECRET_ARN") or None,
            plan_grace_days=_int(env, "TARBOX_PLAN_GRACE_DAYS", 7),
            cdn_domain=env.get("TARBOX_CDN_DOMAIN") or None,
            cdn_key_id=env.get("TARBOX_CDN_KEY_ID") or None,
            cdn_signing_key_secret=env.get("TARBOX_CDN_SIGNING_KEY_SECRET") or None,
            max_response_bytes=_int(env, "TARBOX_MAX_RESPONSE_BYTES", AWS_MAX_RESPONSE_BYTES)
            if aws
            else _optional_int(env, "TARBOX_MAX_RESPONSE_BYTES"),
            tracing=env.get("TARBOX_TRACING", "off") == "on",
            on_lambda=bool(env.get("AWS_LAMBDA_FUNCTION_NAME")),
            commit=env.get("TARBOX_COMMIT") or "unknown",
            download_flush_seconds=_int(env, "TARBOX_DOWNLOAD_FLUSH_SECONDS", 30),
            hook_retry_seconds=_int(env, "TARBOX_HOOK_RETRY_SECONDS", 10),
            search_refresh_hours=_int(env, "TARBOX_SEARCH_REFRESH_HOURS", 24),
            bound_url=(env.get("TARBOX_BOUND_URL") or "").rstrip("/") or None,
            serve_threads=max(0, _int(env, "TARBOX_SERVE_THREADS", 0)),
            leader_lock=env.get("TARBOX_LEADER_LOCK") or None,
            hook_private_endpoints=env.get("TARBOX_HOOK_PRIVATE_ENDPOINTS", "off" if aws else "on")
            == "on",
            edge_parameter=env.get("TARBOX_EDGE_PARAMETER") or None,
            edge_log_bucket=env.get("TARBOX_EDGE_LOG_BUCKET") or None,
            edge_secret=env.get("TARBOX_EDGE_SECRET") or None,
            edge_max_age=max(0, _int(env, "TARBOX_EDGE_MAX_AGE", 300)),
            signing_keys_secret=env.get("TARBOX_SIGNING_KEYS_SECRET") or None,
            oidc_issuers=_issuers(env.get("TARBOX_OIDC_ISSUERS", DEFAULT_OIDC_ISSUERS)),
            quarantine_hours=_hours(
                env.get("TARBOX_QUARANTINE_HOURS") or "0", "TARBOX_QUARANTINE_HOURS"
            ),
            quarantine_orgs=_org_hours(env.get("TARBOX_QUARANTINE_ORGS") or ""),
            upstreams=_routes(env.get("TARBOX_UPSTREAMS") or "", "TARBOX_UPSTREAMS", url=True),
            upstream_tokens=_routes(
                env.get("TARBOX_UPSTREAM_TOKENS") or "", "TARBOX_UPSTREAM_TOKENS", url=False
            ),
            upstream_ttl=max(0, _int(env, "TARBOX_UPSTREAM_TTL", 300)),
            upstream_allow=_patterns(env.get("TARBOX_UPSTREAM_ALLOW") or ""),
            upstream_deny=_patterns(env.get("TARBOX_UPSTREAM_DENY") or ""),
            quarantine_except=_patterns(env.get("TARBOX_QUARANTINE_EXCEPT") or ""),
        )


@cache
def _local_base_urls(bound_url: str | None) -> frozenset[str]:
    if not bound_url:
        return frozenset()
    host, _, port = bound_url.removeprefix("http://").rpartition(":")
    if host not in LOOPBACK_NAMES:
        return frozenset({bound_url})
    return frozenset(f"http://{name}:{port}" for name in LOOPBACK_NAMES)


def _issuers(raw: str) -> tuple[tuple[str, str], ...]:
    """`github=https://…,gitlab=https://…`; `off` for none. One issuer per CI: a trusted
    publisher names a repository or project but not its instance (npm trust sends none), so a
    second GitLab beside gitlab.com would let a project of the same path there publish. A
    self-managed GitLab replaces gitlab.com. https only, but on loopback (the tests' issuer)."""
    if raw.strip() in ("", "off"):
        return ()
    issuers: dict[str, str] = {}
    for entry in raw.split(","):
        provider, _, url = entry.strip().partition("=")
        parsed = urlsplit(url)
        secure = parsed.scheme == "https" or (
            parsed.scheme == "http" and parsed.hostname in ("127.0.0.1", "localhost", "::1")
        )
        if provider not in OIDC_PROVIDERS or not secure or not parsed.hostname:
            raise SettingsError(
                f"TARBOX_OIDC_ISSUERS entries are github=<https issuer URL> or"
                f" gitlab=<https issuer URL>, not {entry!r}"
            )
        if provider in issuers:
            raise SettingsError(f"TARBOX_OIDC_ISSUERS names more than one {provider} issuer")
        issuers[provider] = url
    return tuple(issuers.items())


def _patterns(raw: str) -> tuple[str, ...]:
    """`left-pad,@types/*,lodash.*`: package names, or shell-style patterns of them."""
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def _routes(raw: str, key: str, *, url: bool) -> tuple[tuple[str, str], ...]:
    """`*=https://registry.npmjs.org,@corp=https://npm.corp.example`: each name to exactly one
    upstream, by its scope's route, else `*`'s. For tokens: `@corp=<token>`."""
    routes: dict[str, str] = {}
    for entry in filter(None, (e.strip() for e in raw.split(","))):
        route, sep, value = entry.partition("=")
        route, value = route.strip(), value.strip()
        scoped = route.startswith("@") and len(route) > 1 and "/" not in route
        if not sep or not value or not (route == "*" or scoped) or route in routes:
            raise SettingsError(f"{key} entries are *=<value> or @scope=<value>, once each")
        if url and not value.startswith(("https://", "http://")):
            raise SettingsError(f"{key}: {route} must be an http(s) registry URL")
        routes[route] = value.rstrip("/") if url else value
    return tuple(routes.items())


def _hours(raw: str, key: str) -> float:
    try:
        hours = float(raw)
    except ValueError:
        hours = -1
    if not 0 <= hours <= MAX_QUARANTINE_HOURS:  # also NaN and infinity
        raise SettingsError(f"{key} must be a number of hours up to a year, not {raw!r}")
    return hours


def _org_hours(raw: str) -> tuple[tuple[str, float], ...]:
    """`acme=24,internal=0`: an org (its scope, without the @) and its quarantine in hours."""
    found = []
    for entry in filter(None, (e.strip() for e in raw.split(","))):
        org, sep, hours = entry.partition("=")
        if not sep or not org.strip():
            raise SettingsError(f"TARBOX_QUARANTINE_ORGS entries are <org>=<hours>, not {entry!r}")
        found.append((org.strip().lstrip("@"), _hours(hours.strip(), "TARBOX_QUARANTINE_ORGS")))
    return tuple(found)


def _required(env: Mapping[str, str], key: str) -> str:
    value = env.get(key)
    if not value:
        raise SettingsError(f"{key} must be set for the aws backend")
    return value


def _optional_int(env: Mapping[str, str], key: str) -> int | None:
    return _int(env, key, 0) or None


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{key} must be a whole number, not {raw!r}") from exc
