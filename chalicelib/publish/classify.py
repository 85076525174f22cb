"""What a `PUT /{pkg}` or `PUT /{pkg}/-rev/{rev}` means, from the shape of its body alone.

npm sends five different changes to two URLs (libnpmpublish, npm deprecate, star, owner,
unpublish). codebox told them apart by npm 6's `Referer` header, which npm 7+ no longer sends;
dispatching on `npm-command` would break pnpm, yarn and scripts the same way. So: by shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.errors import InvalidPayloadError

ID_KEYS = frozenset({"_id", "_rev"})


@dataclass(frozen=True)
class Publish:
    body: dict[str, Any]


@dataclass(frozen=True)
class Deprecate:
    """The whole document sent back with `deprecated` set where wanted ("" removes it)."""

    versions: frozenset[str]
    deprecated: dict[str, str]  # the complete wanted state: version -> non-empty message
    rev: str | None


@dataclass(frozen=True)
class Star:
    users: dict[str, bool]
    rev: str | None


@dataclass(frozen=True)
class ChangeOwners:
    maintainers: list[str]
    rev: str | None


@dataclass(frozen=True)
class UnpublishVersions:
    """The whole document minus the versions to remove."""

    remaining: frozenset[str]
    deprecated: dict[str, str]
    rev: str | None


Change = Publish | Deprecate | Star | ChangeOwners | UnpublishVersions


def classify(body: Any, *, url_rev: str | None) -> Change:
    if not isinstance(body, dict):
        raise InvalidPayloadError("The body must be a JSON object")
    rev = url_rev or _rev(body)
    keys = set(body) - ID_KEYS
    if body.get("_attachments"):
        if url_rev is not None:
            raise InvalidPayloadError("A publish is a PUT to the package, not to a revision")
        return Publish(body)
    if keys == {"users"}:
        return Star(_users(body["users"]), rev)
    if keys == {"maintainers"}:
        return ChangeOwners(_maintainers(body["maintainers"]), rev)
    if "versions" in keys:
        # The whole document, as GET ?write=true gave it: only the versions (and, for a
        # deprecate, their `deprecated`) are read; nothing else in it is applied.
        versions = _versions(body["versions"])
        deprecated = _deprecations(versions)
        if url_rev is not None:
            return UnpublishVersions(frozenset(versions), deprecated, rev)
        return Deprecate(frozenset(versions), deprecated, rev)
    raise InvalidPayloadError(
        "Unrecognised change: send one of publish, deprecate, star, owner change or unpublish"
    )


def _rev(body: dict[str, Any]) -> str | None:
    rev = body.get("_rev")
    if rev is not None and not isinstance(rev, str):
        raise InvalidPayloadError("_rev must be a string")
    return rev


def _users(users: Any) -> dict[str, bool]:
    if not isinstance(users, dict) or not all(v is True for v in users.values()):
        raise InvalidPayloadError("users must map user names to true")
    return {str(k): True for k in users}


def _maintainers(maintainers: Any) -> list[str]:
    if not isinstance(maintainers, list) or not all(
        isinstance(m, dict) and isinstance(m.get("name"), str) for m in maintainers
    ):
        raise InvalidPayloadError("maintainers must be a list of {name, email}")
    return list(dict.fromkeys(m["name"] for m in maintainers))


def _versions(versions: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(versions, dict) or not all(isinstance(m, dict) for m in versions.values()):
        raise InvalidPayloadError("versions must map versions to manifests")
    return versions


def _deprecations(versions: dict[str, dict[str, Any]]) -> dict[str, str]:
    wanted: dict[str, str] = {}
    for version, manifest in versions.items():
        message = manifest.get("deprecated")
        if message is None or message == "":
            continue  # npm undeprecate sends "": removing it
        if not isinstance(message, str):
            raise InvalidPayloadError(f"deprecated must be a string ({version})")
        wanted[version] = message
    return wanted
