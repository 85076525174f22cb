"""Trusted publishing's pieces without a registry: which issuers, which audiences, and what an
issuer that cannot be read answers."""

from __future__ import annotations

import pytest

from chalicelib.errors import AuthenticationRequiredError, UpstreamUnavailableError
from chalicelib.settings import Settings, SettingsError
from chalicelib.trust.exchange import audiences
from chalicelib.trust.id_tokens import verified_id_token
from tests.e2e.harness import free_port
from tests.oidc_issuer import Issuer


def test_github_and_gitlab_are_trusted_unless_configured_otherwise() -> None:
    assert Settings.from_env({}).oidc_issuers == (
        ("github", "https://token.actions.githubusercontent.com"),
        ("gitlab", "https://gitlab.com"),
    )
    own = "github=https://token.actions.githubusercontent.com, gitlab=https://git.acme.example"
    assert Settings.from_env({"TARBOX_OIDC_ISSUERS": own}).oidc_issuers == (
        ("github", "https://token.actions.githubusercontent.com"),
        ("gitlab", "https://git.acme.example"),
    )
    assert Settings.from_env({"TARBOX_OIDC_ISSUERS": "off"}).oidc_issuers == ()
    for bad in (
        "circleci=https://oidc.circleci.com",
        "github=token.actions.example",
        "github=http://token.actions.example",  # keys over plain http: only on loopback
        "gitlab=https://gitlab.com,gitlab=https://git.acme.example",  # which one is acme/lib?
    ):
        with pytest.raises(SettingsError, match="TARBOX_OIDC_ISSUERS"):
            Settings.from_env({"TARBOX_OIDC_ISSUERS": bad})


def test_npm_asks_for_the_hostname_and_yarn_for_the_host() -> None:
    assert audiences("https://registry.example") == ["npm:registry.example"]
    assert audiences("http://127.0.0.1:4873") == ["npm:127.0.0.1", "npm:127.0.0.1:4873"]
    assert audiences("https://abc.execute-api.example/api") == ["npm:abc.execute-api.example"]


def test_an_issuer_that_does_not_answer_is_a_bad_gateway_not_a_refusal() -> None:
    down = f"http://127.0.0.1:{free_port()}/github"
    issuer = Issuer(down.removesuffix("/github"))
    token = issuer.id_token("github", {"repository": "acme/lib"})
    with pytest.raises(UpstreamUnavailableError, match="Could not read"):
        verified_id_token(token, (("github", down),), ["npm:127.0.0.1"])
    with pytest.raises(AuthenticationRequiredError, match="not one this registry trusts"):
        verified_id_token(token, (("github", "https://elsewhere.example"),), ["npm:127.0.0.1"])
