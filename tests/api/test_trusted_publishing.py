"""Trusted publishing's token exchange on both backends, as npm sends it in CI
(lib/utils/oidc.js): the CI's OIDC ID token as a Bearer token, a publish token back, for a
workflow one of the package's trusted publishers names, and for nothing else."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib import wiring
from chalicelib.auth.tokens import token_key
from chalicelib.clock import parse_iso
from tests.api.conftest import Api, body_of, subscribe
from tests.api.helpers import enable, github, otp
from tests.builders import a_publish_body
from tests.oidc_issuer import Issuer

EXCHANGE = "/-/npm/v1/oidc/token/exchange/package"
AUDIENCE = "npm:registry.example"  # the api fixtures' public URL is https://registry.example
RELEASE = {
    "repository": "acme/lib",
    "workflow_ref": "acme/lib/.github/workflows/release.yml@refs/heads/main",
    "repository_visibility": "public",
}
PIPELINE = {
    "project_path": "acme/lib",
    "ci_config_ref_uri": "gitlab.example/acme/lib//.gitlab-ci.yml@refs/heads/main",
}


def trust(api: Api, token: str, *configs: dict[str, Any], package: str = "lib") -> list[Any]:
    made = api.call("POST", f"/-/package/{package}/trust", list(configs), token=token)
    assert made.status_code == 201, made.body
    return list(body_of(made))


def exchange(api: Api, id_token: str | None, package: str = "lib") -> Any:
    headers = {"authorization": f"Bearer {id_token}"} if id_token is not None else {}
    return api.call("POST", f"{EXCHANGE}/{package}", headers=headers)


def test_a_trusted_workflow_publishes_with_the_token_it_gets(
    any_api: Api, lib: str, oidc_issuer: Issuer
) -> None:
    [config] = trust(any_api, lib, github())
    answer = exchange(any_api, oidc_issuer.id_token("github", RELEASE, audience=AUDIENCE))
    assert answer.status_code == 201, answer.body
    token = body_of(answer)["token"]
    assert answer.headers["Cache-Control"] == "no-store"

    assert any_api.publish("lib", "1.0.1", token=token).status_code == 201
    published = body_of(any_api.call("GET", "/lib"))["versions"]["1.0.1"]
    # As npmjs records a trusted publish: who the CI acted for, and which publisher it was.
    assert published["_npmUser"] == {
        "name": "alice",
        "email": "alice@example.com",
        "trustedPublisher": {"id": "github", "oidcConfigId": config["id"]},
    }
    assert body_of(any_api.call("GET", "/-/whoami", token=token)) == {"username": "alice"}


def test_a_gitlab_pipeline_is_matched_by_project_and_ci_file(
    any_api: Api, lib: str, oidc_issuer: Issuer
) -> None:
    pipeline = {
        "type": "gitlab",
        "claims": {"project_path": "acme/lib", "ci_config_ref_uri": {"file": ".gitlab-ci.yml"}},
        "permissions": ["createPackage"],
    }
    trust(any_api, lib, pipeline)
    answer = exchange(any_api, oidc_issuer.id_token("gitlab", PIPELINE, audience=AUDIENCE))
    assert answer.status_code == 201, answer.body
    assert any_api.publish("lib", "1.0.1", token=body_of(answer)["token"]).status_code == 201

    # GitHub's issuer speaks only for GitHub workflows, whatever its claims say.
    forged = oidc_issuer.id_token("github", PIPELINE, audience=AUDIENCE)
    assert exchange(any_api, forged).status_code == 403


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"workflow_ref": "acme/lib/.github/workflows/test.yml@refs/heads/main"}, "another file"),
        ({"repository": "evil/lib"}, "another repository, the same workflow path"),
        (
            {
                "repository": "evil/lib",
                "workflow_ref": "evil/lib/.github/workflows/release.yml@refs/heads/main",
            },
            "a fork",
        ),
        ({"environment": "staging"}, "another environment"),
        ({"environment": None}, "no environment"),
    ],
)
def test_other_workflows_are_refused(
    any_api: Api, lib: str, oidc_issuer: Issuer, claims: dict[str, Any], why: str
) -> None:
    trust(any_api, lib, github(environment="production"))
    sent = {**RELEASE, "environment": "Production", **claims}
    answer = exchange(any_api, oidc_issuer.id_token("github", sent, audience=AUDIENCE))
    assert answer.status_code == 403, why
    assert "No trusted publisher of lib matches this workflow" in body_of(answer)["error"]

    ok = oidc_issuer.id_token("github", {**RELEASE, "environment": "Production"}, audience=AUDIENCE)
    assert exchange(any_api, ok).status_code == 201  # GitHub's environments ignore case


def test_tokens_that_are_not_the_issuers_are_refused(
    any_api: Api, lib: str, oidc_issuer: Issuer
) -> None:
    trust(any_api, lib, github())
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused = {
        "no token": None,
        "not a JWT": "not-a-jwt",
        "for npmjs": oidc_issuer.id_token("github", RELEASE, audience="npm:registry.npmjs.org"),
        "expired": oidc_issuer.id_token("github", RELEASE, audience=AUDIENCE, lifetime=-120),
        "forged": oidc_issuer.id_token("github", RELEASE, audience=AUDIENCE, key=other_key),
        "unknown issuer": oidc_issuer.id_token(
            "github", {**RELEASE, "iss": "https://token.example"}, audience=AUDIENCE
        ),
    }
    for why, id_token in refused.items():
        answer = exchange(any_api, id_token)
        assert answer.status_code == 401, why
        assert body_of(answer)["error"], why
    assert exchange(any_api, oidc_issuer.id_token("github", RELEASE), "none").status_code == 401


def test_a_package_without_a_matching_publisher_gets_no_token(
    any_api: Api, lib: str, oidc_issuer: Issuer
) -> None:
    id_token = oidc_issuer.id_token("github", RELEASE, audience=AUDIENCE)
    assert exchange(any_api, id_token).status_code == 403  # lib trusts no one yet
    assert exchange(any_api, id_token, "none").status_code == 404


def test_the_token_publishes_that_package_and_does_nothing_else(
    any_api: Api, lib: str, oidc_issuer: Issuer
) -> None:
    trust(any_api, lib, github())
    assert any_api.publish("other", "1.0.0", token=lib).status_code == 201
    token = body_of(exchange(any_api, oidc_issuer.id_token("github", RELEASE, audience=AUDIENCE)))[
        "token"
    ]

    assert any_api.publish("other", "1.0.1", token=token).status_code == 403
    tag = any_api.call("PUT", "/-/package/lib/dist-tags/next", '"1.0.0"', token=token)
    assert tag.status_code == 403
    rev = body_of(any_api.call("GET", "/lib?write=true", token=lib))["_rev"]
    assert any_api.call("DELETE", f"/lib/-rev/{rev}", token=token).status_code == 403
    more = any_api.call("POST", "/-/npm/v1/tokens", {"password": "correct horse"}, token=token)
    assert more.status_code == 403
    assert any_api.call("POST", "/-/package/lib/trust", [github()], token=token).status_code == 403
    assert any_api.publish("lib", "1.0.1", token=token).status_code == 201


def test_a_publisher_that_may_only_stage_gets_no_publish(
    any_api: Api, lib: str, oidc_issuer: Issuer
) -> None:
    trust(any_api, lib, {**github(), "permissions": ["createStagedPackage"]})
    answer = exchange(any_api, oidc_issuer.id_token("github", RELEASE, audience=AUDIENCE))
    assert answer.status_code == 201
    refused = any_api.publish("lib", "1.0.1", token=body_of(answer)["token"])
    assert refused.status_code == 403
    assert "createPackage" in body_of(refused)["error"]


def test_no_one_time_password_is_asked_of_a_trusted_publisher(
    api: Api, alice: str, oidc_issuer: Issuer
) -> None:
    """npm's trusted publishing replaces 2FA-bypassing tokens: it works for a writer with
    auth-and-writes 2FA, and for a package that requires 2FA and disallows tokens."""
    assert api.publish("lib", "1.0.0", token=alice).status_code == 201
    totp, _ = enable(api, alice)
    required = {"publish_requires_tfa": True, "automation_token_overrides_tfa": False}
    changed = api.call(
        "POST", "/-/package/lib/access", required, token=alice, headers=otp(totp.now())
    )
    assert changed.status_code == 200, changed.body
    trust_made = api.call(
        "POST", "/-/package/lib/trust", [github()], token=alice, headers=otp(totp.now())
    )
    assert trust_made.status_code == 201
    # a person still needs the code
    assert api.publish("lib", "1.0.1", token=alice).status_code == 401

    answer = exchange(api, oidc_issuer.id_token("github", RELEASE, audience=AUDIENCE))
    assert api.publish("lib", "1.0.1", token=body_of(answer)["token"]).status_code == 201


def test_a_writer_who_loses_the_package_takes_their_publishers_power(
    any_api: Api, lib: str, oidc_issuer: Issuer
) -> None:
    bob = any_api.add_user("bob")
    owners = {"maintainers": [{"name": "alice"}, {"name": "bob"}]}
    rev = body_of(any_api.call("GET", "/lib?write=true", token=lib))["_rev"]
    added = any_api.call("PUT", f"/lib/-rev/{rev}", {**owners, "_rev": rev}, token=lib)
    assert added.status_code in (200, 201), added.body
    trust(any_api, bob, github())
    id_token = oidc_issuer.id_token("github", RELEASE, audience=AUDIENCE)
    assert exchange(any_api, id_token).status_code == 201

    rev = body_of(any_api.call("GET", "/lib?write=true", token=lib))["_rev"]
    alone = {"maintainers": [{"name": "alice"}], "_rev": rev}
    assert any_api.call("PUT", f"/lib/-rev/{rev}", alone, token=lib).status_code in (200, 201)
    assert exchange(any_api, id_token).status_code == 403


def test_a_jobs_token_expires_and_is_forgotten_at_the_next_exchange(
    any_api: Api, lib: str, oidc_issuer: Issuer
) -> None:
    trust(any_api, lib, github())
    id_token = oidc_issuer.id_token("github", RELEASE, audience=AUDIENCE)
    first = body_of(exchange(any_api, id_token))
    assert parse_iso(first["expires"]) - datetime.now(UTC) <= timedelta(minutes=15)
    accounts = wiring.registry().accounts
    stored = accounts.get_token(token_key(first["token"]))
    assert stored is not None
    accounts.delete_token(stored.key)
    accounts.put_token(replace(stored, expires="2026-01-01T00:00:00.000Z"))
    assert any_api.publish("lib", "1.0.1", token=first["token"]).status_code == 401

    second = body_of(exchange(any_api, id_token))["token"]
    assert accounts.get_token(stored.key) is None
    kept = {t.key for t in accounts.list_tokens("alice")}
    assert token_key(second) in kept and token_key(lib) in kept


def test_a_trusted_publisher_never_makes_a_private_package_public(
    any_api: Api, alice: str, oidc_issuer: Issuer
) -> None:
    subscribe(any_api, "alice")
    secret = a_publish_body("@alice/secret", access="restricted")
    assert any_api.call("PUT", "/@alice%2fsecret", secret, token=alice).status_code == 201
    trust(any_api, alice, github(), package="@alice%2fsecret")
    id_token = oidc_issuer.id_token("github", RELEASE, audience=AUDIENCE)
    token = body_of(exchange(any_api, id_token, "@alice%2fsecret"))["token"]

    public = a_publish_body("@alice/secret", "1.0.1", access="public")
    refused = any_api.call("PUT", "/@alice%2fsecret", public, token=token)
    assert refused.status_code == 403 and "npm access" in body_of(refused)["error"]
    unchanged = a_publish_body("@alice/secret", "1.0.1", access=None)
    assert any_api.call("PUT", "/@alice%2fsecret", unchanged, token=token).status_code == 201
    assert any_api.call("GET", "/@alice%2fsecret").status_code == 404  # still private
