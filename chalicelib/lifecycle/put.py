"""One entry for every `PUT /{pkg}` and `PUT /{pkg}/-rev/{rev}`: classify the body, run its use
case, and answer as npm expects (owner and star PUTs parse the answer as JSON)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.auth.service import Actor
from chalicelib.lifecycle.deprecate import deprecate
from chalicelib.lifecycle.owners import change_owners
from chalicelib.lifecycle.stars import star
from chalicelib.lifecycle.unpublish import unpublish_versions
from chalicelib.packuments.render import rev_string
from chalicelib.publish.classify import (
    ChangeOwners,
    Deprecate,
    Publish,
    Star,
    UnpublishVersions,
    classify,
)
from chalicelib.publish.payload import parse_publish
from chalicelib.publish.service import publish_version
from chalicelib.registry import Registry
from chalicelib.storage.records import PackageRecord


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    notice: str | None = None  # for an `npm-notice` header
    operation: str = "change"  # for the request's log line and metrics


def put_package(
    registry: Registry,
    actor: Actor,
    name: str,
    body: Any,
    *,
    url_rev: str | None,
    base_url: str,
) -> Answer:
    """What to answer a PUT to a package."""
    change = classify(body, url_rev=url_rev)
    updated: PackageRecord
    match change:
        case Publish(body=publish_body):
            request = parse_publish(
                name, publish_body, max_tarball_bytes=registry.settings.max_tarball_bytes
            )
            published = publish_version(registry, actor, request, base_url)
            status = 201 if published.created else 200
            return Answer(status, _ok(published.package), published.notice, "publish")
        case Deprecate():
            updated, operation = deprecate(registry, actor, name, change, base_url), "deprecate"
        case Star():
            updated, operation = star(registry, actor, name, change, base_url), "star"
        case ChangeOwners():
            updated, operation = change_owners(registry, actor, name, change, base_url), "owner"
        case UnpublishVersions():
            updated = unpublish_versions(registry, actor, name, change, base_url)
            operation = "unpublish"
    return Answer(201, _ok(updated), operation=operation)


def _ok(package: PackageRecord) -> dict[str, Any]:
    return {"ok": True, "success": True, "id": package.name, "rev": rev_string(package)}
