"""The monitoring surface, the same everywhere: `/-/ping`, `/-/status` (version, commit, uptime,
a check of each backend), one JSON line per request, and CloudWatch EMF metrics on Lambda."""

from __future__ import annotations

import json
import logging
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib import __version__
from chalicelib.http.observe import redacted
from chalicelib.packuments.relations import dependency_names
from tests.api.conftest import Api, body_of
from tests.builders import a_publish_body

ROOT = Path(__file__).resolve().parents[2]


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def requests(self) -> list[dict[str, Any]]:
        return [r.__dict__ for r in self.records if r.getMessage() == "request"]


@pytest.fixture
def lines() -> Iterator[Lines]:
    from chalicelib.http.observe import logger

    handler = Lines()
    target = logging.getLogger(logger().name)
    target.addHandler(handler)
    yield handler
    target.removeHandler(handler)


def test_ping(any_api: Api) -> None:
    answer = any_api.call("GET", "/-/ping")
    assert answer.status_code == 200 and body_of(answer) == {}


def test_status_reports_what_runs_and_checks_each_backend(
    any_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = any_api.call("GET", "/-/status")
    assert answer.status_code == 200
    body = body_of(answer)
    assert body["status"] == "ok" and body["backend"] in ("embedded", "aws")
    assert body["version"] == __version__
    assert body["uptime_seconds"] >= 0
    assert set(body["checks"]) == {"metadata", "blobs"}
    assert all(check["ok"] for check in body["checks"].values())


def test_the_version_is_the_projects() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["version"] == __version__


def test_status_says_which_backend_does_not_answer(api: Api) -> None:
    api.configure(TARBOX_TABLE_NAME="no-such-table", TARBOX_COMMIT="abc1234")
    answer = api.call("GET", "/-/status")
    assert answer.status_code == 503
    body = body_of(answer)
    assert body["status"] == "degraded" and body["commit"] == "abc1234"
    assert body["checks"]["metadata"]["ok"] is False
    assert body["checks"]["metadata"]["error"] == "StorageUnavailableError: did not answer"
    assert "no-such-table" not in answer.body.decode()
    assert body["checks"]["blobs"]["ok"] is True


def test_one_line_per_request_with_what_operators_need(
    any_api: Api, alice: str, lines: Lines
) -> None:
    any_api.call("PUT", "/@alice%2flib", a_publish_body("@alice/lib"), token=alice)
    any_api.call(
        "GET",
        "/@alice%2flib",
        token=alice,
        headers={"npm-command": "install", "user-agent": "npm/11"},
    )
    any_api.call("DELETE", f"/-/user/token/{alice}")
    published, read, logout = lines.requests()[-3:]
    assert (published["method"], published["status"], published["operation"]) == (
        "PUT",
        201,
        "publish",
    )
    assert published["package"] == "@alice/lib" and published["actor"] == "alice"
    assert read["route"] == "/{p1}" and read["operation"] == "install"
    assert read["npm_command"] == "install" and read["user_agent"] == "npm/11"
    assert read["latency_ms"] >= 0 and read["request_id"]
    # a token in a path never reaches a log
    assert logout["path"] == "/-/user/token/[redacted]"
    assert alice not in json.dumps([{k: str(v) for k, v in r.items()} for r in lines.requests()])


def test_a_refusal_names_its_error_class(any_api: Api, lines: Lines) -> None:
    any_api.call("GET", "/nothing-here")
    assert lines.requests()[-1]["error"] == "PackageNotFoundError"
    assert lines.requests()[-1]["status"] == 404


def test_on_lambda_metrics_go_out_as_emf(
    api: Api, alice: str, capsys: pytest.CaptureFixture[str]
) -> None:
    api.configure(AWS_LAMBDA_FUNCTION_NAME="tarbox-test-api")  # what the settings read
    capsys.readouterr()
    api.call("PUT", "/lib", a_publish_body("lib"), token=alice)
    api.call("GET", "/lib/-/lib-1.0.0.tgz")
    api.call("GET", "/missing")
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    names = [m["Name"] for b in blobs for d in b["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
    assert {"Publishes", "TarballDownloads", "Latency", "Errors"} <= set(names)
    errors = next(b for b in blobs if "Errors" in b)
    assert errors["ErrorClass"] == "PackageNotFoundError"
    assert all(b["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "tarbox" for b in blobs)


def test_with_tracing_on_requests_run_inside_a_subsegment(api: Api) -> None:
    # Outside Lambda powertools' Tracer records nothing (no X-Ray daemon), but the request must
    # go through the same subsegment it would open on Lambda.
    api.configure(TARBOX_TRACING="on")
    assert api.call("GET", "/-/ping").status_code == 200
    assert api.call("GET", "/nothing").status_code == 404


def test_secrets_in_paths_are_not_logged_and_aliases_count_as_dependents() -> None:
    assert redacted("/-/user/token/tbx_secret") == "/-/user/token/[redacted]"
    assert redacted("/-/v1/done/abc") == "/-/v1/done/[redacted]"
    assert redacted("/foo") == "/foo"
    # on API Gateway's own domain the stage comes first
    assert redacted("/api/-/user/token/tbx_secret") == "/api/-/user/token/[redacted]"
    assert redacted("/api/-/v1/login/page/key?x=1") == "/api/-/v1/login/page/[redacted]"
    deps = {
        "dependencies": {"mylib": "npm:lib@^1", "x": "npm:@s/y@2"},
        "peerDependencies": {"p": "1"},
    }
    assert dependency_names(deps) == ["@s/y", "lib", "p"]
