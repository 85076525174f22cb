"""Trusted publishers on both backends, as `npm trust` sends them (lib/trust-cmd.js): only the
package's writers make, list and revoke them, and only GitHub Actions and GitLab CI
configurations in npm's shape are kept."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import wiring
from tests.api.conftest import Api, body_of
from tests.api.helpers import github
from tests.builders import a_publish_body

TRUST = "/-/package/lib/trust"


def test_a_writer_adds_lists_and_revokes(any_api: Api, lib: str) -> None:
    made = any_api.call("POST", TRUST, [github(environment="production")], token=lib)
    assert made.status_code == 201, made.body
    [config] = body_of(made)
    assert config["type"] == "github"
    assert config["claims"] == {
        "repository": "acme/lib",
        "workflow_ref": {"file": "release.yml"},
        "environment": "production",
    }
    assert config["permissions"] == ["createPackage"] and config["creator"] == "alice"

    assert body_of(any_api.call("GET", TRUST, token=lib)) == [config]
    assert any_api.call("DELETE", f"{TRUST}/{config['id']}", token=lib).status_code == 200
    assert body_of(any_api.call("GET", TRUST, token=lib)) == []
    assert any_api.call("DELETE", f"{TRUST}/{config['id']}", token=lib).status_code == 404


def test_others_may_not_see_or_change_them(any_api: Api, lib: str) -> None:
    assert any_api.call("POST", TRUST, [github()], token=lib).status_code == 201
    mallory = any_api.add_user("mallory")

    assert any_api.call("GET", TRUST, token=mallory).status_code in (403, 404)
    assert any_api.call(
        "POST", TRUST, [github(repository="evil/lib")], token=mallory
    ).status_code in (403, 404)
    assert any_api.call("GET", TRUST).status_code == 401
    assert any_api.call("GET", "/-/package/none/trust", token=lib).status_code == 404


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({**github(), "type": "circleci"}, "is not supported here"),
        (github(repository="acme"), "valid repository"),
        (github(workflow_ref={"file": ".github/workflows/release.yml"}), "valid workflow file"),
        (github(workflow_ref={"file": "release.sh"}), "valid workflow file"),
        ({**github(), "permissions": []}, "permissions must name"),
        ({**github(), "permissions": ["owner"]}, "permissions must name"),
        (
            {
                "type": "gitlab",
                "claims": {"project_path": "acme"},
                "permissions": ["createPackage"],
            },
            "valid project",
        ),
    ],
)
def test_a_configuration_npm_would_not_send_is_refused(
    any_api: Api, lib: str, config: dict[str, Any], error: str
) -> None:
    answer = any_api.call("POST", TRUST, [config], token=lib)
    assert answer.status_code == 400
    assert error in body_of(answer)["error"]
    assert body_of(any_api.call("GET", TRUST, token=lib)) == []


def test_a_package_has_at_most_ten(any_api: Api, lib: str) -> None:
    assert any_api.call("POST", TRUST, [github()] * 10, token=lib).status_code == 201
    answer = any_api.call("POST", TRUST, [github()], token=lib)
    assert answer.status_code == 400
    assert "at most 10" in body_of(answer)["error"]


def test_a_scoped_package_is_named_as_npm_escapes_it(any_api: Api, alice: str) -> None:
    body = a_publish_body("@alice/lib")
    assert any_api.call("PUT", "/@alice%2flib", body, token=alice).status_code == 201
    assert (
        any_api.call("POST", "/-/package/@alice%2flib/trust", [github()], token=alice).status_code
        == 201
    )
    assert len(body_of(any_api.call("GET", "/-/package/@alice/lib/trust", token=alice))) == 1


def test_unpublishing_the_package_forgets_its_trusted_publishers(any_api: Api, lib: str) -> None:
    """Whoever takes the name next must not inherit the CI its former owner trusted."""
    assert any_api.call("POST", TRUST, [github()], token=lib).status_code == 201
    rev = body_of(any_api.call("GET", "/lib?write=true", token=lib))["_rev"]
    assert any_api.call("DELETE", f"/lib/-rev/{rev}", token=lib).status_code == 200

    assert wiring.registry().trust.trusted_publishers("lib") == []
