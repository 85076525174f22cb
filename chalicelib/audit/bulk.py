"""`npm audit`: POST /-/npm/v1/security/advisories/bulk. npm sends `{name: [versions installed]}`
and gets, per package, the advisories that affect one of those versions, in npm's shape
(@npmcli/metavuln-calculator reads `id`, `title`, `url`, `severity`, `vulnerable_versions`,
`cwe`, `cvss`). An advisory on a package this registry holds is shown only to those who may
read that package; one on a package it does not hold (a public npm package in the GitHub
Advisory Database) is shown to everyone.
"""

from __future__ import annotations

from typing import Any

from chalicelib.acl.guard import may_read
from chalicelib.auth.service import Actor
from chalicelib.errors import InvalidPayloadError
from chalicelib.packuments.versions import satisfies
from chalicelib.registry import Registry
from chalicelib.storage.records import JSON, Advisory


def bulk_advisories(registry: Registry, actor: Actor | None, body: Any) -> dict[str, list[JSON]]:
    installed = _installed(body)
    answer: dict[str, list[JSON]] = {}
    for name, advisories in registry.advisories.advisories_for(list(installed)).items():
        hits = [
            a
            for a in advisories
            if any(satisfies(v, a.vulnerable_versions) for v in installed[name])
        ]
        if hits and _visible(registry, actor, name):
            answer[name] = [_shaped(advisory) for advisory in hits]
    return answer


def _installed(body: Any) -> dict[str, list[str]]:
    if not isinstance(body, dict):
        raise InvalidPayloadError("The audit body must map package names to their versions")
    return {
        name: [version for version in versions if isinstance(version, str)]
        for name, versions in body.items()
        if isinstance(name, str) and isinstance(versions, list)
    }


def _visible(registry: Registry, actor: Actor | None, name: str) -> bool:
    package = registry.packages.get_package(name)
    return package is None or may_read(registry, actor, package)


def _shaped(advisory: Advisory) -> JSON:
    return {
        "id": advisory.id,
        "url": advisory.url,
        "title": advisory.title,
        "severity": advisory.severity,
        "vulnerable_versions": advisory.vulnerable_versions,
        "cwe": list(advisory.cwe),
        "cvss": {"score": 0, "vectorString": advisory.cvss_vector},
    }
