"""npm audit's bulk advisories on both backends: advisories imported in OSV format (`tarbox
advisories import`) are answered for the versions npm says are installed, in npm's shape; those
on a private package only to its readers."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Api, body_of, subscribe
from tests.builders import a_publish_body

BULK = "/-/npm/v1/security/advisories/bulk"


def osv(id: str, name: str, fixed: str, severity: str = "HIGH") -> dict[str, Any]:
    return {
        "id": id,
        "summary": f"Prototype pollution in {name}",
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": name},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": fixed}]}],
            }
        ],
        "references": [{"type": "ADVISORY", "url": f"https://github.com/advisories/{id}"}],
        "database_specific": {"severity": severity, "cwe_ids": ["CWE-1321"]},
    }


def load(
    api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str], *docs: dict[str, Any]
) -> str:
    folder = tmp_path / "advisories" / "2026" / "12"
    folder.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        (folder / f"{doc['id']}.json").write_text(json.dumps(doc))
    assert api.tarbox("advisories", "import", str(tmp_path / "advisories")) == 0
    return capsys.readouterr().out.strip()


def audit(api: Api, installed: dict[str, list[str]], token: str | None = None) -> Any:
    body = gzip.compress(json.dumps(installed).encode())  # as npm sends it
    answer = api.call("POST", BULK, body, headers={"content-encoding": "gzip"}, token=token)
    assert answer.status_code == 200, answer.body
    return body_of(answer)


def test_advisories_answer_the_versions_installed(
    any_api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = load(
        any_api,
        tmp_path,
        capsys,
        osv("GHSA-aaaa", "lodash", "4.17.21"),
        osv("GHSA-bbbb", "minimist", "1.2.6", "CRITICAL"),
    )
    assert printed == "imported 2 npm advisories from 2 files"

    found = audit(
        any_api, {"lodash": ["4.17.20", "4.17.21"], "minimist": ["1.2.6"], "clean": ["1.0.0"]}
    )

    assert found == {
        "lodash": [
            {
                "id": "GHSA-aaaa",
                "url": "https://github.com/advisories/GHSA-aaaa",
                "title": "Prototype pollution in lodash",
                "severity": "high",
                "vulnerable_versions": "<4.17.21",
                "cwe": ["CWE-1321"],
                "cvss": {"score": 0, "vectorString": None},
            }
        ]
    }


def test_an_advisory_on_a_private_package_is_for_its_readers_only(
    any_api: Api, alice: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    subscribe(any_api, "alice")
    secret = a_publish_body("@alice/secret", access="restricted")
    assert any_api.call("PUT", "/@alice%2fsecret", secret, token=alice).status_code == 201
    load(any_api, tmp_path, capsys, osv("GHSA-cccc", "@alice/secret", "1.0.1"))
    installed = {"@alice/secret": ["1.0.0"]}

    assert [a["id"] for a in audit(any_api, installed, alice)["@alice/secret"]] == ["GHSA-cccc"]
    assert audit(any_api, installed) == {}
    assert audit(any_api, installed, any_api.add_user("mallory")) == {}


def test_a_file_that_is_not_osv_is_refused_and_nothing_is_stored(
    any_api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "advisories"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps(osv("GHSA-dddd", "lodash", "4.17.21")))
    (folder / "b.json").write_text("[1, 2]")

    assert any_api.tarbox("advisories", "import", str(folder)) == 1
    assert "b.json: not an OSV advisory" in capsys.readouterr().err
    assert audit(any_api, {"lodash": ["1.0.0"]}) == {}


def test_a_body_that_is_not_names_and_versions_is_refused(any_api: Api) -> None:
    answer = any_api.call("POST", BULK, ["lodash"])
    assert answer.status_code == 400


def owner_advisory(api: Api, id: str, name: str, token: str | None) -> Any:
    return api.call("PUT", f"{ADVISORIES}/{id}", osv(id, name, "1.0.1"), token=token)


ADVISORIES = "/-/npm/v1/security/advisories"


def test_a_packages_writers_add_its_advisories_and_its_readers_see_them(
    any_api: Api, alice: str
) -> None:
    subscribe(any_api, "alice")
    secret = a_publish_body("@alice/secret", access="restricted")
    assert any_api.call("PUT", "/@alice%2fsecret", secret, token=alice).status_code == 201
    assert any_api.call("PUT", "/open", a_publish_body("open"), token=alice).status_code == 201
    bob = any_api.add_user("bob")

    added = owner_advisory(any_api, "TBX-1", "@alice/secret", alice)
    assert added.status_code == 201, added.body
    assert body_of(added) == {"id": "TBX-1", "packages": ["@alice/secret"]}
    installed = {"@alice/secret": ["1.0.0"]}
    assert [a["id"] for a in audit(any_api, installed, alice)["@alice/secret"]] == ["TBX-1"]
    assert audit(any_api, installed, bob) == {}

    # Nobody raises an alarm on another's package, or on one this registry does not hold.
    assert owner_advisory(any_api, "TBX-2", "@alice/secret", bob).status_code == 404
    assert owner_advisory(any_api, "TBX-3", "open", bob).status_code == 403
    assert owner_advisory(any_api, "TBX-4", "open", None).status_code == 401
    assert owner_advisory(any_api, "TBX-5", "elsewhere", alice).status_code == 404
    assert audit(any_api, {"open": ["1.0.0"], "elsewhere": ["1.0.0"]}) == {}
    mismatched = any_api.call(
        "PUT", f"{ADVISORIES}/TBX-6", osv("TBX-7", "open", "1.0.1"), token=alice
    )
    assert mismatched.status_code == 400


def test_the_audit_body_is_inflated_within_a_limit(api: Api) -> None:
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024))
    response = api.call(
        "POST", "/-/npm/v1/security/advisories/bulk", bomb, headers={"content-encoding": "gzip"}
    )
    assert response.status_code == 413, response.body
