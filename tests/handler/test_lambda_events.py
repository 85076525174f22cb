"""Every route family through the Lambda entry point, with API Gateway REST proxy events shaped as
API Gateway sends them (committed in `events/`), against moto.

`events/base.json` is one whole event, as API Gateway (REST, stage `api`, behind its CloudFront)
hands it to Lambda; `events/routes.json` is the request of each step: resource, path and path
parameters still percent-encoded (`@scope%2Fname`), query, headers, body. Bodies that depend on
earlier answers (a publish, a `_rev`, a token) are built here, and two steps send their body
base64-encoded, as API Gateway does for binary media types (npm's gzipped audit, and a publish).
Each answer is checked as API Gateway would read it: status, headers, a body that is JSON and
never base64 (a `*/*` binary type would base64 every answer), redirects without a body.
"""

from __future__ import annotations

import base64
import copy
import gzip
import http.server
import json
import logging
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest

import app as application
from app import app
from chalicelib import wiring
from tests import stripe_events
from tests.builders import a_publish_body

EVENTS = Path(__file__).parent / "events"
USER, FRIEND = "lambda-user", "lambda-friend"
SECRET = "whsec_lambda_events"
BASE_URL = "https://k3xyz0abcd.execute-api.us-east-1.amazonaws.com/api"


@dataclass
class Context:
    """What the Lambda runtime passes as `context` (the fields Chalice and powertools read)."""

    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_name: str = "tarbox-prod-api"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:tarbox-prod-api"
    log_group_name: str = "/aws/lambda/tarbox-prod-api"
    log_stream_name: str = "2026/12/01/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 25_000


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from moto import mock_aws

    from chalicelib.storage.aws.blobs import ensure_bucket
    from chalicelib.storage.aws.table import ensure_table

    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "TARBOX_BACKEND": "aws",
        "TARBOX_TABLE_NAME": "tarbox-handler",
        "TARBOX_BUCKET_NAME": "tarbox-handler-blobs",
        "TARBOX_STRIPE_WEBHOOK_SECRET": SECRET,
        "TARBOX_MAX_TARBALL_BYTES": str(64 * 1024),
        "TARBOX_SIGNING_KEYS_SECRET": "tarbox-handler/signing-keys",
    }.items():
        monkeypatch.setenv(key, value)
    # No public URL: the registry must build its URLs from the Host and the stage, as on
    # API Gateway's own domain.
    monkeypatch.delenv("TARBOX_PUBLIC_URL", raising=False)
    monkeypatch.delenv("TARBOX_AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        wiring.use(None)  # as on Lambda: the settings are read from the environment
        ensure_table(wiring.settings())
        ensure_bucket(wiring.settings())
        yield
        wiring.use(None)


class Scenario:
    """Runs the steps through `app(event, context)`, remembering what later steps need."""

    def __init__(self) -> None:
        self.base = json.loads((EVENTS / "base.json").read_text())
        self.values: dict[str, str] = {}
        self.tokens: dict[str, str] = {}

    def invoke(self, step: dict[str, Any]) -> dict[str, Any]:
        event = self.event(step)
        answer: dict[str, Any] = app(event, Context())
        return answer

    def event(self, step: dict[str, Any]) -> dict[str, Any]:
        event = copy.deepcopy(self.base)
        path = self.fill(step["path"])
        extra = {k: self.header(v) for k, v in (step.get("headers") or {}).items()}
        headers = {**event["headers"], **extra}
        if step.get("auth", True) and USER in self.tokens:
            headers["Authorization"] = f"Bearer {self.tokens[USER]}"
        body, signature = self.body(step)
        if signature:
            headers["Stripe-Signature"] = signature
        query = step.get("query")
        params = step.get("pathParameters")
        event.update(
            resource=step["resource"],
            path=path,
            httpMethod=step["method"],
            headers=headers,
            multiValueHeaders={k: [v] for k, v in headers.items()},
            queryStringParameters=query,
            multiValueQueryStringParameters={k: [v] for k, v in query.items()} if query else None,
            pathParameters={k: self.fill(v) for k, v in params.items()} if params else None,
        )
        event["requestContext"].update(
            resourcePath=step["resource"],
            httpMethod=step["method"],
            path=f"/api{path}",
            requestId=str(uuid.uuid4()),
        )
        if body is not None and step.get("base64"):
            event.update(body=base64.b64encode(body).decode(), isBase64Encoded=True)
        elif body is not None:
            event.update(body=body.decode(), isBase64Encoded=False)
        return event

    def fill(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            kind, _, name = match.group(1).partition(":")
            return self.rev(name) if kind == "rev" else self.values[kind]

        return re.sub(r"\$([a-z]+(?::[^/]+)?)", value, text)

    def header(self, value: str) -> str:
        if value == "$basic":  # npm's login retry after a 409: the password, as Basic auth
            return "Basic " + base64.b64encode(f"{USER}:correct horse battery".encode()).decode()
        return value

    def body(self, step: dict[str, Any]) -> tuple[bytes | None, str | None]:
        raw = step.get("body")
        if raw is None:
            return None, None
        if not (isinstance(raw, str) and raw.startswith("$")):
            return json.dumps(raw).encode(), None
        kind, _, arg = raw[1:].partition(":")
        if kind == "gzip":
            return gzip.compress(arg.encode()), None
        if kind == "form":
            return arg.encode(), None
        if kind == "stripe":
            session = stripe_events.checkout_completed(arg, "sub_lambda", "cus_lambda")
            session["custom_text"] = {"submit": {"message": "Zahlung für Lambda ✓"}}
            payload = stripe_events.event("checkout.session.completed", session)
            return payload, stripe_events.signature(payload, SECRET)
        return json.dumps(self.document(kind, arg)).encode(), None

    def document(self, kind: str, arg: str) -> dict[str, Any]:
        name, _, version = (
            arg.rpartition("@") if kind in ("publish", "unpublish") else (arg, "", "")
        )
        if kind == "publish":
            return a_publish_body(name, version)
        doc = self.write_doc(name)
        if kind == "deprecate":
            doc["versions"]["1.0.0"]["deprecated"] = "use 2.x"
            return doc
        if kind == "star":
            return {"_id": name, "_rev": doc["_rev"], "users": {USER: True}}
        if kind == "owners":
            owners = [{"name": u, "email": f"{u}@example.com"} for u in (USER, FRIEND)]
            return {"_id": name, "_rev": doc["_rev"], "maintainers": owners}
        del doc["versions"][version]
        doc["dist-tags"] = {"latest": "1.0.0"}
        return doc

    def write_doc(self, name: str) -> dict[str, Any]:
        """npm's `GET /{pkg}?write=true` (a scoped name as npm encodes it), through the handler."""
        encoded = name.replace("/", "%2F")
        step = {
            "resource": "/{p1}",
            "path": f"/{encoded}",
            "method": "GET",
            "pathParameters": {"p1": encoded},
            "query": {"write": "true"},
            "headers": {"Accept": "application/json"},
        }
        answer = self.invoke(step)
        assert answer["statusCode"] == 200, answer
        doc: dict[str, Any] = json.loads(answer["body"])
        return doc

    def rev(self, name: str) -> str:
        return str(self.write_doc(name.replace("%2F", "/"))["_rev"])

    def remember(self, step: dict[str, Any], body: Any) -> None:
        name = step["name"]
        if name == "adduser":
            self.tokens[USER] = self.values["token"] = body["token"]
        elif name == "token-create":
            self.values["key"] = body["key"]
        elif name == "hook-add":
            self.values["hook"] = body["id"]
        elif name.startswith("trust-github"):
            self.values["trust"] = body[0]["id"]
        elif name == "stage-publish":
            self.values["stage"] = body["stageId"]
        elif name == "web-login":
            self.values["login"] = body["loginUrl"].rsplit("/", 1)[1]
            self.values["done"] = body["doneUrl"].rsplit("/", 1)[1]


def check(step: dict[str, Any], answer: dict[str, Any]) -> Any:
    """The answer as API Gateway reads it; the JSON body, when there is one."""
    where = step["name"]
    assert answer["statusCode"] == step["expect"], (where, answer)
    headers = {k.lower(): v for k, v in answer["headers"].items()}
    assert answer.get("isBase64Encoded", False) is False, where  # nothing on AWS is binary
    if answer["statusCode"] == 302:
        assert headers["location"] and headers["cache-control"] == "no-store", where
        assert not answer["body"], where
        return None
    if answer["statusCode"] == 204 or headers["content-type"].startswith("text/html"):
        return None
    assert headers["content-type"].startswith("application/"), where
    return json.loads(answer["body"])


def steps() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads((EVENTS / "routes.json").read_text())
    return loaded


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.text.append(json.dumps({k: str(v) for k, v in record.__dict__.items()}))


def test_every_route_family_through_the_lambda_entry_point(aws: None) -> None:
    from chalicelib.http.observe import logger

    scenario = Scenario()
    seen: dict[str, Any] = {}
    lines = Lines()
    logging.getLogger(logger().name).addHandler(lines)
    try:
        for step in steps():
            seen[step["name"]] = body = check(step, scenario.invoke(step))
            scenario.remember(step, body)
    finally:
        logging.getLogger(logger().name).removeHandler(lines)
    # the stage comes first in API Gateway's paths; secrets in them still never reach a log
    logged = "\n".join(lines.text)
    assert '"path": "/api/-/user/token/[redacted]"' in logged
    for secret in (scenario.values["token"], scenario.values["login"], scenario.values["done"]):
        assert secret not in logged
    # URLs in documents keep the stage (npm's unpublish and tarball paths need it) and the
    # scoped name, percent-encoded or not, is one package
    tarball = seen["packument"]["versions"]["1.0.0"]["dist"]["tarball"]
    assert tarball == f"{BASE_URL}/lambda-lib/-/lambda-lib-1.0.0.tgz"
    assert seen["packument-scoped-encoded"] == seen["packument-scoped-literal"]
    assert seen["version-scoped"]["name"] == f"@{USER}/thing"
    assert seen["whoami"] == {"username": USER}
    assert seen["team-ls"] == ["lambda-org:core", "lambda-org:developers"]
    assert seen["billing-webhook"] == {"received": True}
    assert seen["audit"] == {}


def test_a_tarball_redirect_is_a_presigned_url_without_a_body(aws: None) -> None:
    scenario = Scenario()
    by_name = {s["name"]: s for s in steps()}
    for name in ("adduser", "publish"):
        scenario.remember(by_name[name], check(by_name[name], scenario.invoke(by_name[name])))
    step = {**by_name["tarball"], "headers": {"Accept": "application/octet-stream"}}
    answer = scenario.invoke(step)
    check(step, answer)
    location = answer["headers"]["Location"]
    assert "tarballs/lambda-lib/" in location and "X-Amz-Signature=" in location
    assert "X-Amz-Expires=300" in location


def test_every_route_of_the_app_is_in_the_sample_events() -> None:
    """A new route family gets a sample event, or this fails."""
    covered = {(s["resource"], s["method"]) for s in steps()}
    routes = {(path, method) for path, methods in app.routes.items() for method in methods}
    missing = {
        (path, method)
        for path, method in routes
        if method != "HEAD" and (path, method) not in covered
    }
    assert not missing, sorted(missing)


class Receiver(http.server.BaseHTTPRequestHandler):
    """A hook endpoint on 127.0.0.1: records what it is sent."""

    seen: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        Receiver.seen.append(self.rfile.read(int(self.headers["content-length"])))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_the_hook_worker_runs_on_stream_records_and_on_its_schedule(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HookWorker function (infra/template.json: the table's stream, filtered to
    change-log items, and a schedule): it delivers what the change log holds, whichever
    event woke it."""
    monkeypatch.setenv("TARBOX_HOOK_PRIVATE_ENDPOINTS", "on")  # the receiver is on 127.0.0.1
    wiring.use(None)  # read afresh, as a new Lambda would
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    scenario = Scenario()
    for step in steps()[:4]:  # ping, status, adduser, adduser-friend
        scenario.remember(step, check(step, scenario.invoke(step)))
    client_step = {"name": "x", "method": "PUT", "resource": "/{p1}", "path": "/hooked"}
    publish = {**client_step, "pathParameters": {"p1": "hooked"}, "expect": 201}
    check(
        {**publish, "body": a_publish_body("hooked")},
        scenario.invoke({**publish, "body": a_publish_body("hooked")}),
    )
    endpoint = f"http://127.0.0.1:{server.server_address[1]}/in"
    hook = {"type": "package", "name": "hooked", "endpoint": endpoint, "secret": "s"}
    add = {
        "name": "hook-add",
        "method": "POST",
        "resource": "/-/npm/v1/hooks/hook",
        "path": "/-/npm/v1/hooks/hook",
        "pathParameters": None,
        "expect": 201,
        "body": hook,
    }
    check(add, scenario.invoke(add))
    second = a_publish_body("hooked", "1.1.0")
    check({**publish, "body": second}, scenario.invoke({**publish, "body": second}))
    stream = {
        "Records": [
            {
                "eventName": "INSERT",
                "eventSource": "aws:dynamodb",
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/s",
                "dynamodb": {"Keys": {"pk": {"S": "CHANGES"}, "sk": {"S": "SEQ#000000000003"}}},
            }
        ]
    }
    application.hook_worker(stream, Context())
    server.shutdown()
    events = [json.loads(body) for body in Receiver.seen]
    assert [(e["event"], e["change"]["version"]) for e in events] == [("package:publish", "1.1.0")]
    schedule = {
        "version": "0",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "id": "x",
        "time": "2026-12-01T12:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {},
        "account": "123456789012",
    }
    application.hook_worker(schedule, Context())  # nothing new: nothing sent again
    assert len(Receiver.seen) == 1
