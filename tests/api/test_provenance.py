"""Provenance on both backends, with a real bundle: `@playwright/cli@0.1.1` as npmjs has it (its
tarball, and the SLSA provenance sigstore bundle GitHub Actions made for it, from npmjs's
attestations). A `--provenance` publish's bundle is kept when its subject is the tarball,
`dist.attestations` points at it, and `GET /-/npm/v1/attestations/{name}@{version}` serves it to
whoever may read the package."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib import wiring
from tests.api.conftest import Api, body_of, subscribe
from tests.builders import a_publish_body, a_tarball

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TARBALL = (FIXTURES / "playwright-cli-0.1.1.tgz").read_bytes()
BUNDLE = json.loads((FIXTURES / "playwright-cli-0.1.1.sigstore.json").read_text())
NAME, VERSION = "@playwright/cli", "0.1.1"
SLSA = "https://slsa.dev/provenance/v1"
URL = "https://registry.example/-/npm/v1/attestations/@playwright%2fcli@0.1.1"


def with_bundle(body: dict[str, Any], bundle: Any, key: str | None = None) -> dict[str, Any]:
    """The attachment libnpmpublish adds with --provenance: the bundle as a JSON string."""
    data = bundle if isinstance(bundle, str) else json.dumps(bundle)
    name = key or f"{body['name']}-{next(iter(body['versions']))}.sigstore"
    body["_attachments"][name] = {
        "content_type": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "data": data,
        "length": len(data),
    }
    return body


def statement(bundle: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"])))


def restated(**subject: Any) -> dict[str, Any]:
    """The real bundle with its statement's subject changed (its signature no longer holds,
    which is npm's to find; the registry refuses it for the subject alone)."""
    changed = statement(BUNDLE)
    changed["subject"] = [{**changed["subject"][0], **subject}]
    payload = base64.b64encode(json.dumps(changed).encode()).decode()
    return {**BUNDLE, "dsseEnvelope": {**BUNDLE["dsseEnvelope"], "payload": payload}}


def test_the_fixture_is_the_real_package_and_its_provenance() -> None:
    [subject] = statement(BUNDLE)["subject"]
    assert subject["name"] == "pkg:npm/%40playwright/cli@0.1.1"
    assert subject["digest"]["sha512"] == hashlib.sha512(TARBALL).hexdigest()


def test_a_provenance_publish_keeps_and_serves_the_bundle(any_api: Api, alice: str) -> None:
    answer = any_api.put_package(
        with_bundle(a_publish_body(NAME, VERSION, tarball=TARBALL), BUNDLE), token=alice
    )
    assert answer.status_code == 201, answer.body

    full = body_of(any_api.call("GET", "/@playwright%2fcli"))
    corgi = body_of(
        any_api.call(
            "GET", "/@playwright%2fcli", headers={"accept": "application/vnd.npm.install-v1+json"}
        )
    )
    one = body_of(any_api.call("GET", "/@playwright/cli/0.1.1"))
    expected = {"url": URL, "provenance": {"predicateType": SLSA}}
    for manifest in (full["versions"][VERSION], corgi["versions"][VERSION], one):
        assert manifest["dist"]["attestations"] == expected

    for path in ("@playwright%2fcli@0.1.1", "@playwright/cli@0.1.1"):
        served = any_api.call("GET", f"/-/npm/v1/attestations/{path}")
        assert served.status_code == 200, served.body
        assert body_of(served) == {"attestations": [{"predicateType": SLSA, "bundle": BUNDLE}]}


def test_a_publish_without_provenance_has_no_attestations(any_api: Api, alice: str) -> None:
    assert any_api.put_package(a_publish_body("plain"), token=alice).status_code == 201

    assert "attestations" not in body_of(any_api.call("GET", "/plain"))["versions"]["1.0.0"]["dist"]
    answer = any_api.call("GET", "/-/npm/v1/attestations/plain@1.0.0")
    assert answer.status_code == 404
    assert body_of(answer)["error"] == "plain@1.0.0 has no attestations"


@pytest.mark.parametrize(
    ("bundle", "error"),
    [
        (
            restated(name="pkg:npm/%40playwright/cli@0.1.2"),
            "Provenance subject pkg:npm/%40playwright/cli@0.1.2 does not match the package:"
            " pkg:npm/%40playwright/cli@0.1.1",
        ),
        (
            restated(digest={"sha512": hashlib.sha512(b"other bytes").hexdigest()}),
            "Provenance subject digest does not match the package",
        ),
        ({"mediaType": "x"}, "No dsseEnvelope with payload found in sigstore bundle"),
        (
            {**BUNDLE, "dsseEnvelope": {**BUNDLE["dsseEnvelope"], "signatures": []}},
            "The sigstore bundle's envelope has no signature",
        ),
        (
            {
                **BUNDLE,
                "dsseEnvelope": {
                    **BUNDLE["dsseEnvelope"],
                    "signatures": [{"sig": "MEUC", "keyid": "SHA256:npm"}],
                },
            },
            "Provenance must be signed with its certificate, not a key",
        ),
        (
            {
                **BUNDLE,
                "verificationMaterial": {**BUNDLE["verificationMaterial"], "tlogEntries": []},
            },
            "The sigstore bundle has no transparency log entry",
        ),
        ("not json", "Invalid provenance provided: not a JSON object"),
    ],
)
def test_a_bundle_about_something_else_is_refused_and_nothing_is_stored(
    any_api: Api, alice: str, bundle: Any, error: str
) -> None:
    body = with_bundle(a_publish_body(NAME, VERSION, tarball=TARBALL), bundle)

    answer = any_api.put_package(body, token=alice)

    assert answer.status_code == 400
    assert body_of(answer)["error"] == error
    assert any_api.call("GET", "/@playwright%2fcli").status_code == 404
    assert list(wiring.registry().blobs.list_blobs("")) == []


def test_a_bundle_for_another_tarball_of_the_same_name_is_refused(any_api: Api, alice: str) -> None:
    """The subject names the package; only the digest tells the tarball apart."""
    other = a_tarball(NAME, VERSION)
    answer = any_api.put_package(
        with_bundle(a_publish_body(NAME, VERSION, tarball=other), BUNDLE), token=alice
    )
    assert answer.status_code == 400
    assert body_of(answer)["error"] == "Provenance subject digest does not match the package"


def test_the_bundle_must_be_named_for_the_version(any_api: Api, alice: str) -> None:
    body = with_bundle(a_publish_body(NAME, VERSION, tarball=TARBALL), BUNDLE, "other.sigstore")
    answer = any_api.put_package(body, token=alice)
    assert answer.status_code == 400
    assert "@playwright/cli-0.1.1.sigstore" in body_of(answer)["error"]


def for_package(name: str, tarball: bytes) -> dict[str, Any]:
    """The real bundle restated for another package (its signature no longer holds)."""
    digest = {"sha512": hashlib.sha512(tarball).hexdigest()}
    return restated(name=f"pkg:npm/{name.replace('@', '%40')}@1.0.0", digest=digest)


def test_provenance_on_a_private_package_is_refused(any_api: Api, alice: str) -> None:
    """As npm refuses `--provenance` without public access: the statement is public (Rekor)."""
    subscribe(any_api, "alice")
    tarball = a_tarball("@alice/secret", "1.0.0")
    body = a_publish_body("@alice/secret", tarball=tarball, access="restricted")

    answer = any_api.put_package(
        with_bundle(body, for_package("@alice/secret", tarball)), token=alice
    )

    assert answer.status_code == 400
    assert "Provenance is for public packages only" in body_of(answer)["error"]
    assert list(wiring.registry().blobs.list_blobs("")) == []


def test_a_package_made_private_shows_its_attestations_to_its_readers(
    any_api: Api, alice: str
) -> None:
    subscribe(any_api, "alice")
    tarball = a_tarball("@alice/secret", "1.0.0")
    body = a_publish_body("@alice/secret", tarball=tarball, access="public")
    assert (
        any_api.put_package(
            with_bundle(body, for_package("@alice/secret", tarball)), token=alice
        ).status_code
        == 201
    )
    private = {"access": "restricted"}
    assert (
        any_api.call("POST", "/-/package/@alice%2fsecret/access", private, token=alice).status_code
        == 200
    )
    path = "/-/npm/v1/attestations/@alice%2fsecret@1.0.0"

    assert any_api.call("GET", path, token=alice).status_code == 200
    assert any_api.call("GET", path).status_code == 404
    assert any_api.call("GET", path, token=any_api.add_user("mallory")).status_code == 404


def test_a_retry_with_another_bundle_keeps_the_first(any_api: Api, alice: str) -> None:
    first = with_bundle(a_publish_body(NAME, VERSION, tarball=TARBALL), BUNDLE)
    assert any_api.put_package(first, token=alice).status_code == 201
    other = {**BUNDLE, "verificationMaterial": {**BUNDLE["verificationMaterial"], "extra": 1}}

    again = any_api.put_package(
        with_bundle(a_publish_body(NAME, VERSION, tarball=TARBALL), other), token=alice
    )

    assert again.status_code in (200, 201), again.body  # npm's retry of a publish that went through
    served = body_of(any_api.call("GET", "/-/npm/v1/attestations/@playwright%2fcli@0.1.1"))
    assert served["attestations"][0]["bundle"] == BUNDLE


def test_unpublish_removes_the_bundle(any_api: Api, alice: str) -> None:
    assert (
        any_api.put_package(
            with_bundle(a_publish_body(NAME, VERSION, tarball=TARBALL), BUNDLE), token=alice
        ).status_code
        == 201
    )
    rev = body_of(any_api.call("GET", "/@playwright%2fcli?write=true", token=alice))["_rev"]

    assert any_api.call("DELETE", f"/@playwright%2fcli/-rev/{rev}", token=alice).status_code == 200

    assert list(wiring.registry().blobs.list_blobs("attestations/")) == []
    assert any_api.call("GET", "/-/npm/v1/attestations/@playwright%2fcli@0.1.1").status_code == 404


def test_a_spec_that_is_not_name_at_version_is_refused(any_api: Api) -> None:
    assert any_api.call("GET", "/-/npm/v1/attestations/lodash").status_code == 400
    assert any_api.call("GET", "/-/npm/v1/attestations/lodash@latest").status_code == 400
