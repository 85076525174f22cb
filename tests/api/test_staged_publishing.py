"""Staged publishing on both backends, as npm 11 sends it (libnpmpublish `stage: true`,
lib/commands/stage/): a version is staged without a one-time password, served only once a
writer approves it with one, and staged and published versions share one index."""

from __future__ import annotations

import hashlib
from typing import Any

import pyotp

from chalicelib import wiring
from tests.api.conftest import Api, body_of
from tests.api.helpers import enable, github, otp
from tests.api.test_trusted_publishing import AUDIENCE, RELEASE, exchange, trust
from tests.builders import a_publish_body, encoded
from tests.oidc_issuer import Issuer


def stage(api: Api, token: str, version: str, package: str = "lib", **extra: Any) -> Any:
    body = a_publish_body(package, version, **extra)
    return api.call("POST", f"/-/stage/package/{encoded(package)}", body, token=token)


def staged_id(api: Api, token: str, version: str, package: str = "lib") -> str:
    answer = stage(api, token, version, package)
    assert answer.status_code == 201, answer.body
    return str(body_of(answer)["stageId"])


def approve(api: Api, token: str, id: str, totp: pyotp.TOTP | None = None) -> Any:
    headers = otp(totp.now()) if totp is not None else {}
    return api.call("POST", f"/-/stage/{id}/approve", token=token, headers=headers)


def test_a_staged_version_is_served_once_approved(any_api: Api, lib: str) -> None:
    staged = stage(any_api, lib, "1.1.0")
    assert staged.status_code == 201, staged.body
    id = body_of(staged)["stageId"]
    assert any_api.call("GET", "/lib/1.1.0").status_code == 404
    assert "1.1.0" not in body_of(any_api.call("GET", "/lib"))["versions"]

    [item] = body_of(any_api.call("GET", "/-/stage?package=lib", token=lib))["items"]
    assert item["id"] == id and item["packageName"] == "lib" and item["version"] == "1.1.0"
    assert (item["tag"], item["actor"], item["actorType"]) == ("latest", "alice", "user")
    assert body_of(any_api.call("GET", f"/-/stage/{id}", token=lib)) == item
    # A link to it on AWS, the file itself here (`npm stage download` checks its bytes).
    assert any_api.call("GET", f"/-/stage/{id}/tarball", token=lib).status_code in (200, 302)
    kept = wiring.registry().blobs.get(f"staged/lib/{id}.tgz") or b""
    assert hashlib.sha1(kept).hexdigest() == item["shasum"]

    # npm: 2FA must be on to approve, and the approval asks for a code.
    assert approve(any_api, lib, id).status_code == 403
    totp, _ = enable(any_api, lib)
    assert approve(any_api, lib, id).status_code == 401
    approved = approve(any_api, lib, id, totp)
    assert approved.status_code == 200, approved.body

    document = body_of(any_api.call("GET", "/lib"))
    assert document["dist-tags"]["latest"] == "1.1.0"
    assert document["versions"]["1.1.0"]["_npmUser"]["name"] == "alice"
    assert body_of(any_api.call("GET", "/-/stage?package=lib", token=lib))["items"] == []
    assert any_api.call("GET", f"/-/stage/{id}", token=lib).status_code == 404
    assert not list(wiring.registry().blobs.list_blobs("staged/"))


def test_a_rejected_version_is_dropped_and_may_be_staged_again(any_api: Api, lib: str) -> None:
    id = staged_id(any_api, lib, "1.1.0")
    totp, _ = enable(any_api, lib)
    assert any_api.call("DELETE", f"/-/stage/{id}", token=lib).status_code == 401
    rejected = any_api.call("DELETE", f"/-/stage/{id}", token=lib, headers=otp(totp.now()))
    assert rejected.status_code == 200, rejected.body

    assert any_api.call("GET", f"/-/stage/{id}", token=lib).status_code == 404
    assert not list(wiring.registry().blobs.list_blobs("staged/"))
    assert "1.1.0" not in body_of(any_api.call("GET", "/lib"))["versions"]
    staged_id(any_api, lib, "1.1.0")


def test_staged_and_published_versions_share_one_index(any_api: Api, lib: str) -> None:
    staged_id(any_api, lib, "1.1.0")
    assert stage(any_api, lib, "1.1.0").status_code == 409
    published = any_api.call("PUT", "/lib", a_publish_body("lib", "1.1.0"), token=lib)
    assert published.status_code == 409
    assert "is staged" in body_of(published)["error"]
    assert stage(any_api, lib, "1.0.0").status_code == 403  # published already
    # Publishing other versions goes on as usual meanwhile.
    assert any_api.call("PUT", "/lib", a_publish_body("lib", "1.2.0"), token=lib).status_code == 201


def test_only_the_packages_writers_stage_see_and_approve(any_api: Api, lib: str) -> None:
    id = staged_id(any_api, lib, "1.1.0")
    mallory = any_api.add_user("mallory")
    enable(any_api, mallory)

    assert stage(any_api, mallory, "1.2.0").status_code == 403
    assert any_api.call("GET", f"/-/stage/{id}", token=mallory).status_code == 404
    assert any_api.call("GET", f"/-/stage/{id}/tarball", token=mallory).status_code == 404
    assert approve(any_api, mallory, id).status_code == 404
    assert any_api.call("DELETE", f"/-/stage/{id}", token=mallory).status_code == 404
    assert body_of(any_api.call("GET", "/-/stage", token=mallory)) == {"items": [], "total": 0}
    assert any_api.call("GET", "/-/stage?package=lib", token=mallory).status_code == 403
    assert any_api.call("GET", f"/-/stage/{id}").status_code == 401
    assert stage(any_api, lib, "1.0.0", package="none").status_code == 404  # must exist first


def test_the_list_covers_every_package_one_maintains_a_page_at_a_time(
    any_api: Api, lib: str
) -> None:
    assert any_api.call("PUT", "/tool", a_publish_body("tool"), token=lib).status_code == 201
    ids = [staged_id(any_api, lib, v) for v in ("1.1.0", "1.2.0")] + [
        staged_id(any_api, lib, "2.0.0", "tool")
    ]
    listed = body_of(any_api.call("GET", "/-/stage", token=lib))
    assert listed["total"] == 3 and sorted(i["id"] for i in listed["items"]) == sorted(ids)
    page = body_of(any_api.call("GET", "/-/stage?page=1&perPage=2", token=lib))
    assert page["total"] == 3 and len(page["items"]) == 1
    assert any_api.call("GET", "/-/stage?page=x", token=lib).status_code == 400
    assert any_api.call("GET", "/-/stage/not-a-uuid", token=lib).status_code == 404


def test_a_trusted_publisher_may_stage_only_what_it_is_allowed_to(
    any_api: Api, lib: str, oidc_issuer: Issuer
) -> None:
    trust(any_api, lib, {**github(), "permissions": ["createStagedPackage"]})
    token = body_of(exchange(any_api, oidc_issuer.id_token("github", RELEASE, audience=AUDIENCE)))[
        "token"
    ]
    assert (
        any_api.call("PUT", "/lib", a_publish_body("lib", "1.1.0"), token=token).status_code == 403
    )
    staged = stage(any_api, token, "1.1.0")
    assert staged.status_code == 201, staged.body
    assert (body_of(staged)["actor"], body_of(staged)["actorType"]) == ("alice", "github")
    # npm: "Shortlived tokens cannot run npm stage subcommands."
    assert any_api.call("GET", "/-/stage", token=token).status_code == 403
    assert approve(any_api, token, body_of(staged)["stageId"]).status_code == 403


def test_unpublishing_the_package_drops_what_was_staged(any_api: Api, lib: str) -> None:
    id = staged_id(any_api, lib, "1.1.0")
    rev = body_of(any_api.call("GET", "/lib?write=true", token=lib))["_rev"]
    assert any_api.call("DELETE", f"/lib/-rev/{rev}", token=lib).status_code == 200

    assert wiring.registry().stage.staged(id) is None
    assert not list(wiring.registry().blobs.list_blobs("staged/"))
