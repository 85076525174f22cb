"""OSV advisories (the GitHub Advisory Database's format) as npm's audit reads them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from chalicelib.audit.osv import advisories_from_osv
from chalicelib.errors import InvalidPayloadError
from chalicelib.storage.records import Advisory
from tests.unit.publish.test_body_properties import JSON_VALUES

# Shaped as GHSA-35jh-r3h4-6jhm (lodash command injection) is in the GitHub Advisory Database.
GHSA = {
    "schema_version": "1.4.0",
    "id": "GHSA-35jh-r3h4-6jhm",
    "aliases": ["CVE-2021-23337"],
    "summary": "Command Injection in lodash",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
    "affected": [
        {
            "package": {"ecosystem": "npm", "name": "lodash"},
            "ranges": [
                {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}
            ],
        },
        {"package": {"ecosystem": "PyPI", "name": "lodash"}, "versions": ["1.0"]},
    ],
    "references": [
        {"type": "WEB", "url": "https://example.com/notes"},
        {"type": "ADVISORY", "url": "https://github.com/advisories/GHSA-35jh-r3h4-6jhm"},
    ],
    "database_specific": {"cwe_ids": ["CWE-77", "CWE-94"], "severity": "HIGH"},
}


def test_a_github_advisory_reads_as_npm_audit_wants_it() -> None:
    assert advisories_from_osv(GHSA) == [
        Advisory(
            id="GHSA-35jh-r3h4-6jhm",
            package="lodash",
            title="Command Injection in lodash",
            url="https://github.com/advisories/GHSA-35jh-r3h4-6jhm",
            severity="high",
            vulnerable_versions="<4.17.21",
            cwe=("CWE-77", "CWE-94"),
            cvss_vector="CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
        )
    ]


@pytest.mark.parametrize(
    ("affected", "versions"),
    [
        (
            {
                "ranges": [
                    {"type": "SEMVER", "events": [{"introduced": "1.2.0"}, {"fixed": "1.4.1"}]}
                ]
            },
            ">=1.2.0 <1.4.1",
        ),
        (
            {
                "ranges": [
                    {
                        "type": "SEMVER",
                        "events": [
                            {"introduced": "0"},
                            {"fixed": "1.0.1"},
                            {"introduced": "2.0.0"},
                            {"last_affected": "2.3.0"},
                        ],
                    }
                ]
            },
            "<1.0.1 || >=2.0.0 <=2.3.0",
        ),
        ({"ranges": [{"type": "SEMVER", "events": [{"introduced": "3.0.0"}]}]}, ">=3.0.0"),
        ({"ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}, "*"),
        ({"versions": ["1.0.0", "1.0.3"]}, "1.0.0 || 1.0.3"),
        ({"ranges": [{"type": "GIT", "events": [{"introduced": "abc"}]}]}, None),
    ],
)
def test_osv_ranges_become_semver_ranges(affected: dict[str, Any], versions: str | None) -> None:
    doc = {"id": "GHSA-x", "affected": [{"package": {"ecosystem": "npm", "name": "a"}, **affected}]}
    found = advisories_from_osv(doc)
    assert [a.vulnerable_versions for a in found] == ([versions] if versions else [])


def test_defaults_for_what_an_advisory_leaves_out() -> None:
    doc = {
        "id": "OSV-1",
        "affected": [{"package": {"ecosystem": "npm", "name": "a"}, "versions": ["1.0.0"]}],
    }
    [found] = advisories_from_osv(doc)
    assert (found.title, found.url, found.severity, found.cwe, found.cvss_vector) == (
        "OSV-1",
        "https://osv.dev/vulnerability/OSV-1",
        "moderate",
        (),
        None,
    )


@pytest.mark.parametrize("doc", [[], {"affected": []}, {"id": 7}])
def test_what_is_not_an_osv_advisory_is_refused(doc: Any) -> None:
    with pytest.raises(InvalidPayloadError):
        advisories_from_osv(doc)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, JSON_VALUES)
def test_any_json_in_an_advisory_is_read_or_refused_as_a_client_error(
    affected: Any, extra: Any
) -> None:
    # Owners PUT advisories (audit/owners.py): a document from a client, whatever its shape.
    for doc in (
        {"id": "X", "affected": affected, "database_specific": extra, "references": extra},
        {
            "id": "X",
            "affected": [{"package": {"ecosystem": "npm", "name": "a"}, "ranges": affected}],
        },
        {
            "id": "X",
            "affected": [{"package": {"ecosystem": "npm", "name": "a"}, "versions": extra}],
        },
    ):
        try:
            found = advisories_from_osv(doc)
        except InvalidPayloadError:
            continue
        assert all(isinstance(a.vulnerable_versions, str) for a in found)
