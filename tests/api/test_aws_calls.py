"""The AWS calls the code makes, recorded on moto while every route family runs, against the
function's IAM policy in infra/template.json: the policy allows every call, on exactly the
stack's own resources, and nothing the code never calls."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.storage.records import Advisory
from tests import cdn_keys, stripe_events
from tests.api.conftest import WEBHOOK_SECRET, Api, basic, body_of, deliver, subscribe
from tests.builders import a_cdn_log, a_publish_body
from tests.edge_stack import a_front_door

ROOT = Path(__file__).resolve().parents[2]
# docs/cost.md prices these; a change that adds a call to a hot path fails here first.
EXPECTED_CALLS: dict[str, dict[str, int]] = {
    "packument read (anonymous)": {"dynamodb:GetItem": 1, "s3:GetObject": 1},
    "packument read (with a token)": {"dynamodb:GetItem": 3, "s3:GetObject": 1},
    # npm's or the front door's copy still good: the body is not read
    "packument revalidation (304, anonymous)": {"dynamodb:GetItem": 1},
    "tarball download (anonymous)": {"dynamodb:GetItem": 2},
    "tarball download (with a token)": {"dynamodb:GetItem": 4},
    # + the plan's standing (plan, subscription), for the notice a private document carries
    "private packument read (its maintainer)": {"dynamodb:GetItem": 5, "s3:GetObject": 1},
    # + scope, role, the grants (a Query) and the caller in each granted team
    "private packument read (a team member)": {
        "dynamodb:GetItem": 8,
        "dynamodb:Query": 1,
        "s3:GetObject": 1,
    },
    "private tarball download (a team member)": {"dynamodb:GetItem": 7, "dynamodb:Query": 1},
    # the installed packages' advisories, then the access of the one with an advisory
    "npm audit (2 packages, an advisory on one)": {
        "dynamodb:BatchGetItem": 1,
        "dynamodb:GetItem": 1,
    },
    # + the change log's head, which the transaction moves on; + the search entry, read for the
    # postings to replace, the new postings written, the entry swapped (a conditional put), the
    # replaced postings deleted, and the month's downloads for its popularity
    # + the front door's: its public copies of the package listed and the new one made, its
    # cached documents invalidated, the package read again (writes/edge.py)
    # + the package's turn, looked at before the write (writes/turns.py)
    # + the versions staged (npm stage), which a publish may not publish over
    "publish (a new version)": {
        "cloudfront:CreateInvalidation": 1,
        "dynamodb:BatchGetItem": 1,
        "dynamodb:BatchWriteItem": 2,
        "dynamodb:GetItem": 8,
        "dynamodb:PutItem": 1,
        "dynamodb:Query": 3,
        "dynamodb:TransactWriteItems": 1,
        "s3:CopyObject": 1,
        "s3:DeleteObject": 2,
        "s3:ListObjectsV2": 1,
        "s3:PutObject": 3,
    },
    # the attempt counted before the hash (per account and address, a fresh window as the last
    # success cleared it; per address), the user, the success clearing its counter, the token
    "login (npm login --auth-type=legacy)": {
        "dynamodb:DeleteItem": 1,
        "dynamodb:GetItem": 1,
        "dynamodb:PutItem": 1,
        "dynamodb:TransactWriteItems": 1,
        "dynamodb:UpdateItem": 2,
    },
}
# TransactWriteItems needs the permission of each operation in it (DynamoDB's IAM reference).
TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
# The Lambda runtime writes logs (and the EMF metrics in them), X-Ray traces when on: not calls
# the code makes.
RUNTIME_STATEMENTS = {"LogsAndMetrics", "Tracing"}
# The IAM actions of the calls whose names are not theirs (S3's IAM reference). s3:ListBucket also
# makes S3 answer a missing key with 404 NoSuchKey rather than 403 AccessDenied.
S3_ACTIONS = {
    "ListObjectsV2": {"s3:ListBucket"},
    "CopyObject": {"s3:GetObject", "s3:PutObject"},
}

Call = tuple[str, str, dict[str, Any]]


@pytest.fixture
def calls(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Call]]:
    """Every botocore call from here on: (service, operation, parameters). botocore's client,
    not our code, is what is wrapped."""
    from botocore.client import BaseClient

    recorded: list[Call] = []
    original = BaseClient._make_api_call

    def recording(self: Any, operation: str, params: dict[str, Any]) -> Any:
        recorded.append((self.meta.service_model.service_name, operation, params))
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    yield recorded


@pytest.fixture
def secrets(api: Api) -> dict[str, str]:
    """The stack's secrets, in Secrets Manager, as infra/ makes them."""
    import boto3

    manager = boto3.client("secretsmanager", region_name="us-east-1")
    webhook = manager.create_secret(Name="webhook", SecretString=WEBHOOK_SECRET)["ARN"]
    cdn = manager.create_secret(Name="cdn", SecretString=cdn_keys.private_pem())["ARN"]
    keys = manager.create_secret(Name="signing-keys", SecretString='{"keys":[]}')["ARN"]
    door = front_door()
    api.configure(
        TARBOX_STRIPE_WEBHOOK_SECRET="",
        TARBOX_STRIPE_WEBHOOK_SECRET_ARN=webhook,
        TARBOX_CDN_SIGNING_KEY_SECRET=cdn,
        TARBOX_SIGNING_KEYS_SECRET=keys,
        TARBOX_CDN_DOMAIN="d3tarbox.cloudfront.net",
        TARBOX_CDN_KEY_ID="K3TARBOX",
        TARBOX_MAX_RESPONSE_BYTES="4000",
        TARBOX_EDGE_PARAMETER=FRONT_DOOR,
    )
    return {
        "webhook": webhook,
        "cdn": cdn,
        "signing keys": keys,
        "parameter": FRONT_DOOR,
        "distribution": door,
    }


FRONT_DOOR = "/tarbox-api/front-door"


def front_door() -> str:
    """The front door as infra/ makes it; returns its distribution's id."""
    return a_front_door(FRONT_DOOR)["distribution"]


def ok(answer: Any, *codes: int) -> Any:
    assert answer.status_code in (codes or (200, 201, 204, 302)), answer.body
    return answer


def exercise(api: Api) -> None:
    """One request or more of every route family, the way npm sends them."""
    alice = api.add_user("alice")
    bob = api.add_user("bob")
    ok(api.call("GET", "/-/whoami", token=alice))
    ok(api.call("GET", "/-/user/org.couchdb.user:alice"))
    ok(
        api.call("PUT", "/-/user/org.couchdb.user:alice", {"name": "alice", "password": "nope"}),
        401,
    )
    ok(
        api.call(
            "PUT", "/-/user/org.couchdb.user:alice", {"name": "alice", "password": "correct horse"}
        )
    )
    ok(api.call("GET", "/-/npm/v1/user", token=alice))
    ok(api.call("POST", "/-/npm/v1/user", {"fullname": "Alice"}, token=alice))
    created = body_of(
        ok(api.call("POST", "/-/npm/v1/tokens", {"password": "correct horse"}, token=alice))
    )
    ok(api.call("GET", "/-/npm/v1/tokens", token=alice))
    ok(api.call("DELETE", f"/-/npm/v1/tokens/token/{created['key']}", token=alice))
    session = body_of(ok(api.call("POST", "/-/v1/login", {})))
    ok(api.call("GET", session["doneUrl"].split("registry.example")[1]), 202)
    ok(api.call("GET", "/-/whoami", headers={"authorization": basic("alice", "correct horse")}))
    # packages
    ok(api.call("PUT", "/dep", a_publish_body("dep"), token=alice))
    lib = a_publish_body("lib", manifest={"dependencies": {"dep": "^1.0.0"}})
    ok(api.call("PUT", "/lib", lib, token=alice))
    huge = a_publish_body("huge")
    huge["versions"]["1.0.0"]["readme"] = "x" * 5000  # too large to answer inline: a redirect
    ok(api.call("PUT", "/huge", huge, token=alice))
    assert ok(api.call("GET", "/huge")).status_code == 302
    ok(api.call("PUT", "/lib", a_publish_body("lib", "1.1.0"), token=alice))
    ok(api.call("GET", "/lib"))
    ok(api.call("GET", "/lib", headers={"accept": "application/vnd.npm.install-v1+json"}))
    ok(api.call("GET", "/lib/1.0.0"))
    ok(api.call("GET", "/lib/-/lib-1.0.0.tgz"))
    ok(api.call("PUT", "/-/package/lib/dist-tags/beta", "1.0.0", token=alice))
    ok(api.call("GET", "/-/package/lib/dist-tags"))
    ok(api.call("DELETE", "/-/package/lib/dist-tags/beta", token=alice))
    doc = body_of(ok(api.call("GET", "/lib?write=true", token=alice)))
    doc["versions"]["1.0.0"]["deprecated"] = "old"
    ok(api.call("PUT", "/lib", doc, token=alice))
    rev = body_of(api.call("GET", "/lib?write=true", token=alice))["_rev"]
    owners = [{"name": "alice", "email": "a@x.io"}, {"name": "bob", "email": "b@x.io"}]
    ok(
        api.call(
            "PUT",
            f"/lib/-rev/{rev}",
            {"_id": "lib", "_rev": rev, "maintainers": owners},
            token=alice,
        )
    )
    rev = body_of(api.call("GET", "/lib?write=true", token=alice))["_rev"]
    ok(api.call("PUT", "/lib", {"_id": "lib", "_rev": rev, "users": {"bob": True}}, token=bob))
    ok(api.call("GET", '/-/_view/starredByUser?key="bob"'))
    doc = body_of(api.call("GET", "/lib?write=true", token=alice))
    del doc["versions"]["1.1.0"]
    doc["dist-tags"] = {"latest": "1.0.0"}
    ok(api.call("PUT", f"/lib/-rev/{doc['_rev']}", doc, token=alice))
    rev = body_of(api.call("GET", "/lib?write=true", token=alice))["_rev"]
    ok(api.call("DELETE", f"/lib/-/lib-1.1.0.tgz/-rev/{rev}", token=alice))
    ok(api.call("PUT", "/gone", a_publish_body("gone"), token=alice))
    rev = body_of(api.call("GET", "/gone?write=true", token=alice))["_rev"]
    ok(api.call("DELETE", f"/gone/-rev/{rev}", token=alice))
    ok(api.call("POST", "/-/npm/v1/security/advisories/bulk", {}))
    # orgs, teams, access, private packages, billing
    ok(api.call("PUT", "/@acme%2fopen", a_publish_body("@acme/open"), token=alice))
    ok(api.call("PUT", "/-/org/acme/user", {"user": "bob"}, token=alice))
    ok(api.call("GET", "/-/org/acme/user", token=alice))
    ok(api.call("PUT", "/-/org/acme/team", {"name": "core"}, token=alice))
    ok(api.call("PUT", "/-/team/acme/core/user", {"user": "bob"}, token=alice))
    ok(api.call("GET", "/-/team/acme/core/user?format=cli", token=alice))
    grant = {"package": "@acme/open", "permissions": "read-only"}
    ok(api.call("PUT", "/-/team/acme/core/package", grant, token=alice))
    ok(api.call("GET", "/-/team/acme/core/package", token=alice))
    ok(api.call("GET", "/-/package/@acme%2fopen/collaborators"))
    ok(api.call("DELETE", "/-/team/acme/core/package", {"package": "@acme/open"}, token=alice))
    ok(api.call("DELETE", "/-/team/acme/core/user", {"user": "bob"}, token=alice))
    ok(api.call("DELETE", "/-/team/acme/core", token=alice))
    ok(api.call("DELETE", "/-/org/acme/user", {"user": "bob"}, token=alice))
    subscribe(api, "acme")
    cancel = stripe_events.subscription("sub_acme", "cus_acme", "past_due")
    ok(deliver(api, "customer.subscription.updated", cancel, created=int(time.time()) + 1))
    ok(
        api.call(
            "PUT",
            "/@acme%2fsecret",
            a_publish_body("@acme/secret", access="restricted"),
            token=alice,
        )
    )
    ok(api.call("GET", "/@acme%2fsecret", token=alice))
    ok(api.call("GET", "/@acme/secret/-/secret-1.0.0.tgz", token=alice))
    ok(api.call("POST", "/-/package/@acme%2fopen/access", {"access": "restricted"}, token=alice))
    ok(api.call("GET", "/-/package/@acme%2fopen/visibility", token=alice))
    ok(api.call("GET", "/-/org/acme/package", token=alice))
    ok(api.call("GET", "/-/user/alice/package", token=alice))
    # followers
    ok(api.call("GET", "/"))
    ok(api.call("GET", "/-/_changes?since=0&limit=50", token=alice))
    ok(api.call("GET", "/-/v1/search?text=lib", token=alice))
    wiring.download_counter().flush()
    ok(api.call("GET", "/downloads/point/last-week/lib"))
    ok(api.call("GET", "/downloads/range/last-week/lib,dep"))
    ok(api.call("GET", "/-/v1/dependents/dep"))
    ok(api.call("DELETE", f"/-/user/token/{alice}"))
    ok(api.call("GET", "/-/npm/v1/keys"))
    ok(api.call("GET", "/-/ping"))


def iam_actions(service: str, operation: str, params: dict[str, Any]) -> set[str]:
    if service == "dynamodb" and operation == "TransactWriteItems":
        kinds = {kind for item in params["TransactItems"] for kind in item}
        return {f"dynamodb:{TRANSACT_ACTIONS[kind]}" for kind in kinds}
    if service == "s3" and operation in S3_ACTIONS:
        return S3_ACTIONS[operation]
    return {f"{service}:{operation}"}


def resources_touched(service: str, params: dict[str, Any]) -> set[str]:
    if service == "dynamodb":
        if "TransactItems" in params:
            return {next(iter(i.values()))["TableName"] for i in params["TransactItems"]}
        if "RequestItems" in params:
            return set(params["RequestItems"])
        return {params["TableName"]}
    # S3's bucket, SSM's parameter, CloudFront's distribution, Secrets Manager's secret
    named = {"s3": "Bucket", "ssm": "Name", "cloudfront": "DistributionId"}
    return {params[named.get(service, "SecretId")]}


def template_policy() -> list[dict[str, Any]]:
    template = json.loads((ROOT / "infra" / "template.json").read_text())
    role = template["Resources"]["ApiHandlerRole"]["Properties"]
    statements: list[dict[str, Any]] = role["Policies"][0]["PolicyDocument"]["Statement"]
    return [s["Fn::If"][1] if "Fn::If" in s else s for s in statements]


def test_the_policy_allows_every_call_and_nothing_more(
    api: Api, secrets: dict[str, str], calls: list[Call]
) -> None:
    exercise(api)
    called = {a for service, op, params in calls for a in iam_actions(service, op, params)}
    statements = [s for s in template_policy() if s["Sid"] not in RUNTIME_STATEMENTS]
    allowed = {action for s in statements for action in s["Action"]}
    assert called == allowed, (
        f"called but not allowed: {called - allowed}; allowed but never called: {allowed - called}"
    )
    # and each on the stack's own resources only: the ones the policy names by reference
    settings = wiring.settings()
    touched = {r for service, _, params in calls for r in resources_touched(service, params)}
    assert touched == {settings.table_name, settings.bucket_name, *secrets.values()}
    by_sid = {s["Sid"]: s["Resource"] for s in statements}
    assert by_sid == {
        "RegistryTable": {
            "Fn::If": [
                "UseRestoredTable",
                {
                    "Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}"
                    ":table/${TableNameOverride}"
                },
                {"Fn::GetAtt": ["RegistryTable", "Arn"]},
            ]
        },
        "Blobs": {"Fn::Sub": "${BlobBucket.Arn}/*"},
        "BlobsMissingKeysAre404": {"Fn::GetAtt": ["BlobBucket", "Arn"]},
        "Secrets": [{"Ref": "WebhookSecret"}, {"Ref": "CdnSigningKey"}],
        "SigningKeys": [{"Ref": "SigningKeys"}],
        "FrontDoor": FRONT_DOOR_PARAMETER_ARN,
        # Not by reference: that would be a cycle (distribution -> API -> function -> role).
        "FrontDoorInvalidations": {
            "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/*"
        },
    }


FRONT_DOOR_PARAMETER_ARN = {
    "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}"
    ":parameter/${AWS::StackName}/front-door"
}


def test_the_hook_workers_policy_allows_its_calls_and_nothing_more(
    api: Api, calls: list[Call]
) -> None:
    import boto3

    from chalicelib.hooks.worker import run_background_once
    from chalicelib.http.request import configured_url

    alice = api.add_user("alice")
    ok(api.call("PUT", "/lib", a_publish_body("lib"), token=alice))
    hook = {"type": "package", "name": "lib", "endpoint": "https://hooks.example/", "secret": "s"}
    ok(api.call("POST", "/-/npm/v1/hooks/hook", hook, token=alice))
    ok(api.call("PUT", "/lib", a_publish_body("lib", "1.1.0"), token=alice))
    # The front door, with no domain of its own, and a log of downloads it served.
    front_door()
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="tarbox-api-edge-logs")
    log = gzip.compress(a_cdn_log([("GET", "/lib/-/lib-1.0.0.tgz", "200")]))
    s3.put_object(Bucket="tarbox-api-edge-logs", Key="cdn/E1.2026-12-06-04.a.gz", Body=log)
    api.configure(
        TARBOX_PUBLIC_URL=None,
        TARBOX_EDGE_PARAMETER=FRONT_DOOR,
        TARBOX_EDGE_LOG_BUCKET="tarbox-api-edge-logs",
    )
    calls.clear()
    statuses = iter([500, 200])
    registry = wiring.registry()
    base = configured_url(registry) or ""  # as app.py's hook_worker does
    run_background_once(registry, base, send=lambda *_: next(statuses))  # fails: retried
    for pending in registry.hooks.due_deliveries(float("inf"), 10):
        registry.hooks.update_delivery(
            replace(pending, next_attempt=0, version=pending.version + 1)
        )
    run_background_once(registry, base, send=lambda *_: next(statuses))
    assert registry.hooks.due_deliveries(float("inf"), 10) == []
    called = {a for service, op, params in calls for a in iam_actions(service, op, params)}
    template = json.loads((ROOT / "infra" / "template.json").read_text())
    role = template["Resources"]["HookWorkerRole"]["Properties"]["Policies"][0]
    statements = [
        s["Fn::If"][1] if "Fn::If" in s else s for s in role["PolicyDocument"]["Statement"]
    ]
    # The Lambda service reads the stream for the function; the code never does.
    ours = [s for s in statements if s["Sid"] not in {*RUNTIME_STATEMENTS, "ChangeLogStream"}]
    allowed = {action for s in ours for action in s["Action"]}
    assert called == allowed, (
        f"called but not allowed: {called - allowed}; allowed but never called: {allowed - called}"
    )
    touched = {r for service, _, params in calls for r in resources_touched(service, params)}
    settings = wiring.settings()
    edge_logs = "tarbox-api-edge-logs"
    assert touched == {settings.table_name, edge_logs, FRONT_DOOR, settings.signing_keys_secret}


ANSWERED = (200, 201, 302, 304)


def measure_operations(api: Api, calls: list[Call]) -> dict[str, dict[str, int]]:
    """The AWS calls of each operation docs/cost.md prices: (service:operation -> count)."""
    alice = api.add_user("alice")
    ok(api.call("PUT", "/lib", a_publish_body("lib"), token=alice))
    ok(api.call("PUT", "/@acme%2fopen", a_publish_body("@acme/open"), token=alice))  # an org
    subscribe(api, "acme")
    private = a_publish_body("@acme/secret", access="restricted")
    ok(api.call("PUT", "/@acme%2fsecret", private, token=alice))
    bob = api.add_user("bob")  # a developer: reads through the developers team's grant
    ok(api.call("PUT", "/-/org/acme/user", {"user": "bob"}, token=alice))
    corgi = {"accept": "application/vnd.npm.install-v1+json"}
    versions = iter(["1.1.0", "1.2.0"])
    wiring.registry().advisories.put_advisories(
        [Advisory("GHSA-1", "lib", "a hole", "https://example.com/GHSA-1", "high", "<1.0.1")]
    )
    installed = gzip.compress(b'{"lib": ["1.0.0"], "left-pad": ["1.3.0"]}')
    etag = api.call("GET", "/lib", headers=corgi).headers["ETag"]
    operations = {
        "packument read (anonymous)": lambda: api.call("GET", "/lib", headers=corgi),
        "packument read (with a token)": lambda: api.call(
            "GET", "/lib", token=alice, headers=corgi
        ),
        "packument revalidation (304, anonymous)": lambda: api.call(
            "GET", "/lib", headers={**corgi, "if-none-match": etag}
        ),
        "tarball download (anonymous)": lambda: api.call("GET", "/lib/-/lib-1.0.0.tgz"),
        "tarball download (with a token)": lambda: api.call(
            "GET", "/lib/-/lib-1.0.0.tgz", token=alice
        ),
        "private packument read (its maintainer)": lambda: api.call(
            "GET", "/@acme%2fsecret", token=alice, headers=corgi
        ),
        "private packument read (a team member)": lambda: api.call(
            "GET", "/@acme%2fsecret", token=bob, headers=corgi
        ),
        "private tarball download (a team member)": lambda: api.call(
            "GET", "/@acme/secret/-/secret-1.0.0.tgz", token=bob
        ),
        "npm audit (2 packages, an advisory on one)": lambda: api.call(
            "POST",
            "/-/npm/v1/security/advisories/bulk",
            installed,
            headers={"content-encoding": "gzip"},
        ),
        "publish (a new version)": lambda: api.call(
            "PUT", "/lib", a_publish_body("lib", next(versions)), token=alice
        ),
        "login (npm login --auth-type=legacy)": lambda: api.call(
            "PUT", "/-/user/org.couchdb.user:alice", {"name": "alice", "password": "correct horse"}
        ),
    }
    counted: dict[str, dict[str, int]] = {}
    for name, operation in operations.items():
        ok(operation(), *ANSWERED)  # warm: a container's first request reads its secrets once
        calls.clear()
        ok(operation(), *ANSWERED)
        tally: dict[str, int] = {}
        for service, op, _ in calls:
            key = f"{service}:{op}"
            tally[key] = tally.get(key, 0) + 1
        counted[name] = dict(sorted(tally.items()))
    return counted


def test_calls_per_operation_are_as_docs_cost_says(
    api: Api, secrets: dict[str, str], calls: list[Call]
) -> None:
    assert measure_operations(api, calls) == EXPECTED_CALLS
