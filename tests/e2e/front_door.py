"""A stand-in for the registry's front door on AWS (CloudFront, infra/template.json's
`RegistryDistribution`) on 127.0.0.1, so the real npm can install through it here: there is no
CloudFront without AWS.

It reads the distribution's configuration from the template and does what CloudFront does with
it, as far as the registry relies on it:
- a request whose path matches a cache behaviour's `PathPattern` goes to that behaviour's origin
  group: S3 (moto) at the S3 origin's `OriginPath` + the path, where a missing object is the 403
  origin access control sees; on a status in `FailoverCriteria`, to the next member, the API;
- everything else goes to the API, with the viewer's headers but Host (AllViewerExceptHostHeader),
  the origin's custom headers, and the viewer's address appended to X-Forwarded-For;
- an answer is kept per the behaviour's cache policy key (path, query, the listed headers) for as
  long as its Cache-Control says (`s-maxage`, else `max-age`; never `private` or `no-store`;
  the policy's DefaultTTL when it says nothing), then revalidated with its ETag;
- invalidations the registry creates (in moto) drop the matching answers;
- every request is a line of a standard access log, written to the log bucket on `flush_logs`.

What it leaves out: the API origin's `OriginPath` (`/api`, API Gateway's stage; `tarbox serve`
answers at the root), compression (it asks for identity), TLS, and edge locations.
"""

from __future__ import annotations

import fnmatch
import gzip
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
import requests

from tests.e2e.harness import serving
from tests.edge_stack import a_front_door

ROOT = Path(__file__).resolve().parents[2]
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}
LOG_FIELDS = (
    "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status "
    "cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id "
    "x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher "
    "x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port "
    "time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len "
    "sc-range-start sc-range-end"
)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    expires: float = 0.0


@dataclass(frozen=True)
class Asked:
    """A viewer's request (header names lowercased)."""

    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]
    body: bytes


@dataclass
class Behaviour:
    pattern: str
    origins: list[str]  # the target, or the origin group's members in order
    key_headers: list[str]
    queries: bool
    ttl: tuple[int, int, int]  # min, default, max


@dataclass
class Seen:
    """What happened to each request, for the tests: path -> where it was answered from."""

    answers: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, source

    def sources(self, path: str) -> list[str]:
        return [source for _, p, source in self.answers if p == path]


class FrontDoor:
    def __init__(self, endpoint: str, bucket: str, log_bucket: str, secret: str) -> None:
        self.endpoint = endpoint
        self.bucket = bucket
        self.log_bucket = log_bucket
        self.api = ""  # the API origin's URL, set once `tarbox serve` is up
        self.url = ""
        self.seen = Seen()
        self._aws = {
            "region_name": "us-east-1",
            "endpoint_url": endpoint,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        self._s3 = boto3.client("s3", **self._aws)
        self._cloudfront = boto3.client("cloudfront", **self._aws)
        config = _distribution_config()
        self._behaviours, self._default, self._failover = _behaviours(config)
        api = next(o for o in config["Origins"] if "CustomOriginConfig" in o)
        self._api_headers = {h["HeaderName"]: secret for h in api.get("OriginCustomHeaders", [])}
        copies = next(o for o in config["Origins"] if "S3OriginConfig" in o)
        self._copies_id, self._copies_path = copies["Id"], copies["OriginPath"].strip("/")
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, ...], Answer] = {}
        self._invalidations: set[str] = set()
        self._log: list[str] = []
        self.distribution = ""

    # --- the stack's side: its distribution and parameter in moto ----------------------------

    def register(self, parameter: str) -> None:
        """The distribution (for its id and invalidations), its parameter, its log bucket."""
        door = a_front_door(parameter, self.url, **self._aws)
        self.distribution = door["distribution"]
        self._s3.create_bucket(Bucket=self.log_bucket)

    def flush_logs(self) -> None:
        with self._lock:
            lines, self._log = self._log, []
        if not lines:
            return
        body = "#Version: 1.0\n#Fields: " + LOG_FIELDS + "\n" + "".join(lines)
        hour = datetime.now(UTC).strftime("%Y-%m-%d-%H")
        key = f"cdn/{self.distribution}.{hour}.{time.monotonic_ns()}.gz"
        self._s3.put_object(Bucket=self.log_bucket, Key=key, Body=gzip.compress(body.encode()))

    # --- a request ---------------------------------------------------------------------------

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        """`headers`: the viewer's; names are compared lowercased throughout, as HTTP does."""
        headers = {name.lower(): value for name, value in headers.items()}
        self._apply_invalidations()
        path = urlsplit(target).path
        behaviour = next(
            (b for b in self._behaviours if fnmatch.fnmatchcase(path, b.pattern)), self._default
        )
        key = self._key(behaviour, target, headers)
        cacheable = method in ("GET", "HEAD")
        with self._lock:
            kept = self._cache.get(key) if cacheable else None
        if kept is not None and kept.expires > time.time():
            answer, source = kept, "edge"
        else:
            asked = Asked(method, target, headers, body)
            answer, source = self._from_origins(asked, behaviour, kept)
            if cacheable:
                self._keep(key, behaviour, answer)
        answer = _conditional(answer, headers) if cacheable else answer
        self._note(method, path, source)
        self._log_line(method, target, headers, answer)
        return answer

    def _from_origins(
        self, asked: Asked, behaviour: Behaviour, kept: Answer | None
    ) -> tuple[Answer, str]:
        answer = Answer(502, {}, b"")
        for origin in behaviour.origins:
            if origin == self._copies_id:
                answer = self._from_copies(asked.method, urlsplit(asked.target).path)
                source = "copy"
            else:
                answer = self._from_api(asked, behaviour, kept)
                source = "api"
            if answer.status not in self._failover or len(behaviour.origins) == 1:
                return answer, source
        return answer, "api"

    def _from_copies(self, method: str, path: str) -> Answer:
        key = f"{self._copies_path}/{unquote(path).lstrip('/')}"
        try:
            found = self._s3.get_object(Bucket=self.bucket, Key=key)
        except self._s3.exceptions.NoSuchKey:
            return Answer(403, {"content-type": "application/xml"}, b"AccessDenied")
        data = found["Body"].read()
        headers = {"content-type": found["ContentType"], "etag": found["ETag"]}
        if found.get("CacheControl"):
            headers["cache-control"] = found["CacheControl"]
        return Answer(200, headers, b"" if method == "HEAD" else data)

    def _from_api(self, asked: Asked, behaviour: Behaviour, kept: Answer | None) -> Answer:
        if behaviour is self._default:
            sent = {k: v for k, v in asked.headers.items() if k not in HOP_BY_HOP}
        else:  # a behaviour with no origin request policy: its cache key's headers only
            wanted = {h.lower() for h in behaviour.key_headers}
            sent = {k: v for k, v in asked.headers.items() if k in wanted}
        earlier = sent.pop("x-forwarded-for", None)
        sent["x-forwarded-for"] = f"{earlier}, 127.0.0.1" if earlier else "127.0.0.1"  # the viewer
        sent["accept-encoding"] = "identity"
        sent.update(self._api_headers)
        if kept is not None and kept.headers.get("etag"):
            sent["if-none-match"] = kept.headers["etag"]  # a stale answer: revalidate it
        got = requests.request(
            asked.method,
            self.api + asked.target,
            headers=sent,
            data=asked.body,
            allow_redirects=False,
            timeout=60,
        )
        if got.status_code == 304 and kept is not None:
            return Answer(kept.status, kept.headers, kept.body)
        answered = {k.lower(): v for k, v in got.headers.items() if k.lower() not in HOP_BY_HOP}
        answered.pop("content-encoding", None)  # requests decoded it
        return Answer(got.status_code, answered, got.content)

    # --- keeping answers -----------------------------------------------------------------------

    def _key(self, behaviour: Behaviour, target: str, headers: dict[str, str]) -> tuple[str, ...]:
        parts = urlsplit(target)
        query = parts.query if behaviour.queries else ""
        return (parts.path, query, *(headers.get(h.lower(), "") for h in behaviour.key_headers))

    def _keep(self, key: tuple[str, ...], behaviour: Behaviour, answer: Answer) -> None:
        """Kept for its TTL; one of 0 s with an ETag is kept too, and revalidated each time."""
        seconds = _ttl(answer, behaviour.ttl)
        if seconds is None or answer.status not in (200, 203, 301, 410):
            return
        if seconds <= 0 and not answer.headers.get("etag"):
            return
        answer.expires = time.time() + seconds
        with self._lock:
            self._cache[key] = answer

    def _apply_invalidations(self) -> None:
        listed = self._cloudfront.list_invalidations(DistributionId=self.distribution)
        fresh = [
            i["Id"]
            for i in listed["InvalidationList"].get("Items", [])
            if i["Id"] not in self._invalidations
        ]
        for ident in fresh:
            found = self._cloudfront.get_invalidation(DistributionId=self.distribution, Id=ident)
            paths = found["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]
            with self._lock:
                self._invalidations.add(ident)
                for key in [k for k in self._cache if k[0] in paths]:
                    del self._cache[key]

    # --- what happened -------------------------------------------------------------------------

    def _note(self, method: str, path: str, source: str) -> None:
        with self._lock:
            self.seen.answers.append((method, path, source))

    def _log_line(self, method: str, target: str, headers: dict[str, str], answer: Answer) -> None:
        parts, now = urlsplit(target), datetime.now(UTC)
        values = {
            "date": now.strftime("%Y-%m-%d"),
            "time": now.strftime("%H:%M:%S"),
            "x-edge-location": "LOCAL1",
            "sc-bytes": str(len(answer.body)),
            "c-ip": "127.0.0.1",
            "cs-method": method,
            "cs(Host)": urlsplit(self.url).netloc,
            "cs-uri-stem": re.sub(r"@", "%40", parts.path),
            "sc-status": str(answer.status),
            "cs(User-Agent)": (headers.get("user-agent") or "-").replace(" ", "%20"),
            "cs-uri-query": parts.query or "-",
        }
        line = "\t".join(values.get(name, "-") for name in LOG_FIELDS.split()) + "\n"
        with self._lock:
            self._log.append(line)


def _conditional(answer: Answer, headers: dict[str, str]) -> Answer:
    """The viewer's own copy still good: 304 (CloudFront answers these itself)."""
    etag, asked = answer.headers.get("etag"), headers.get("if-none-match")
    if answer.status == 200 and etag and asked and etag in {t.strip() for t in asked.split(",")}:
        return Answer(
            304, {"etag": etag, "cache-control": answer.headers.get("cache-control", "")}, b""
        )
    return answer


def _ttl(answer: Answer, ttl: tuple[int, int, int]) -> int | None:
    """CloudFront's rule: s-maxage, else max-age, clamped to the policy; its default when the
    origin says nothing; never for `private` or `no-store` (MinTTL is 0)."""
    low, default, high = ttl
    control = answer.headers.get("cache-control", "").lower()
    if "private" in control or "no-store" in control or "no-cache" in control:
        return None
    ages = dict(re.findall(r"(s-maxage|max-age)=(\d+)", control))
    said = ages.get("s-maxage", ages.get("max-age"))
    seconds = default if said is None else int(said)
    return max(low, min(high, seconds))


def _distribution_config() -> dict[str, Any]:
    template = json.loads((ROOT / "infra" / "template.json").read_text())
    config: dict[str, Any] = template["Resources"]["RegistryDistribution"]["Properties"][
        "DistributionConfig"
    ]
    config["_policies"] = {
        name: resource["Properties"]["CachePolicyConfig"]
        for name, resource in template["Resources"].items()
        if resource.get("Type") == "AWS::CloudFront::CachePolicy"
    }
    return config


def _behaviours(config: dict[str, Any]) -> tuple[list[Behaviour], Behaviour, set[int]]:
    groups = {g["Id"]: g for g in config.get("OriginGroups", {}).get("Items", [])}
    failover: set[int] = set()
    for group in groups.values():
        failover |= set(group["FailoverCriteria"]["StatusCodes"]["Items"])

    def behaviour(raw: dict[str, Any], pattern: str) -> Behaviour:
        target = raw["TargetOriginId"]
        members = groups[target]["Members"]["Items"] if target in groups else [{"OriginId": target}]
        policy = config["_policies"][raw["CachePolicyId"]["Ref"]]
        key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
        return Behaviour(
            pattern,
            [m["OriginId"] for m in members],
            list(key["HeadersConfig"].get("Headers", [])),
            key["QueryStringsConfig"]["QueryStringBehavior"] != "none",
            (policy["MinTTL"], policy["DefaultTTL"], policy["MaxTTL"]),
        )

    listed = [behaviour(b, b["PathPattern"]) for b in config.get("CacheBehaviors", [])]
    return listed, behaviour(config["DefaultCacheBehavior"], "*"), failover


class _Handler(BaseHTTPRequestHandler):
    door: FrontDoor
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = self.door.answer(self.command, self.path, dict(self.headers.items()), body)
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    # http.server looks these up by name
    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = _handle  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def front_door(door: FrontDoor) -> Iterator[FrontDoor]:
    handler = type("Handler", (_Handler,), {"door": door})
    with serving(handler) as url:
        door.url = url
        yield door
