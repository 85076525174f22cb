"""npm's publish body (`PUT /{pkg}`, libnpmpublish `buildMetadata`), parsed and checked.

Only the shape is checked here: one version, one tarball attachment, a name that matches the URL,
a clean version, and bytes that match `length`, `dist.shasum` and `dist.integrity`. Permissions
and immutability are the service's job.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import (
    IntegrityMismatchError,
    InvalidPayloadError,
    InvalidVersionError,
    PayloadTooLargeError,
)
from chalicelib.packuments.dist import sha512_integrity
from chalicelib.packuments.tags import validate_tag
from chalicelib.packuments.versions import is_clean
from chalicelib.provenance.bundle import SIGSTORE_SUFFIX, Provenance, provenance_of

ACCESS_VALUES = (None, "public", "restricted")
# A manifest without its readme: far more than any real one, well under DynamoDB's 400 KB item.
MAX_MANIFEST_BYTES = 256 * 1024
DEPENDENCY_FIELDS = (
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
    "bundleDependencies",
    "acceptDependencies",
)


@dataclass(frozen=True)
class PublishRequest:
    name: str
    version: str
    manifest: dict[str, Any]
    dist_tags: dict[str, str]
    access: str | None
    tarball: bytes
    integrity: str
    shasum: str
    readme: str
    provenance: Provenance | None = None  # the sigstore bundle of a --provenance publish


def parse_publish(name: str, body: Any, *, max_tarball_bytes: int) -> PublishRequest:
    if not isinstance(body, dict):
        raise InvalidPayloadError("The publish body must be a JSON object")
    if not body.get("_attachments"):
        # The other PUTs npm sends to this URL (libnpmpublish, npm deprecate, npm star).
        what = "npm star" if "users" in body and "versions" not in body else "npm deprecate"
        raise InvalidPayloadError(f"{what} is not supported by this registry yet")
    if body.get("name") != name or body.get("_id", name) != name:
        raise InvalidPayloadError(f"The body's name does not match the URL's ({name})")
    version, manifest = _single_version(name, body.get("versions"))
    tarball = _single_tarball(body.get("_attachments"), max_tarball_bytes)
    integrity, shasum = _check_dist(manifest, tarball)
    provenance = provenance_of(body["_attachments"], name, version, tarball)
    access = body.get("access")
    if access not in ACCESS_VALUES:
        raise InvalidPayloadError("access must be 'public' or 'restricted'")
    _check_field_types(manifest)
    # yarn 4 sends the readme only at the top level of the body; npm inside the version.
    readme = manifest.get("readme", body.get("readme"))
    return PublishRequest(
        name=name,
        version=version,
        manifest=manifest,
        dist_tags=_dist_tags(body.get("dist-tags"), version),
        access=access,
        tarball=tarball,
        integrity=integrity,
        shasum=shasum,
        readme=readme if isinstance(readme, str) else "",
        provenance=provenance,
    )


def _single_version(name: str, versions: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(versions, dict) or len(versions) != 1:
        raise InvalidPayloadError("A publish must carry exactly one version")
    version, manifest = next(iter(versions.items()))
    if not isinstance(version, str) or not is_clean(version):
        raise InvalidVersionError(f"Invalid version {version!r}: it must be clean semver")
    if not isinstance(manifest, dict):
        raise InvalidPayloadError("The version manifest must be an object")
    if manifest.get("name") != name or manifest.get("version") != version:
        raise InvalidPayloadError("The version manifest's name and version must match the body")
    return version, manifest


def _single_tarball(attachments: Any, max_bytes: int) -> bytes:
    if not isinstance(attachments, dict):
        raise InvalidPayloadError("A publish must carry the tarball in _attachments")
    tarballs = [v for k, v in attachments.items() if not str(k).endswith(SIGSTORE_SUFFIX)]
    if len(tarballs) != 1 or not isinstance(tarballs[0], dict):
        raise InvalidPayloadError("A publish must carry exactly one tarball attachment")
    attachment = tarballs[0]
    data = attachment.get("data")
    if not isinstance(data, str):
        raise InvalidPayloadError("The tarball attachment has no data")
    if len(data) * 3 // 4 > max_bytes + 3:
        raise PayloadTooLargeError(_too_large(max_bytes))
    try:
        tarball = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidPayloadError("The tarball attachment is not valid base64") from None
    if len(tarball) > max_bytes:
        raise PayloadTooLargeError(_too_large(max_bytes))
    if attachment.get("length") != len(tarball):
        raise IntegrityMismatchError(
            f"Attachment length {attachment.get('length')} does not match the data ({len(tarball)})"
        )
    return tarball


def _too_large(max_bytes: int) -> str:
    return f"Tarball too large for this registry (max {max_bytes / 1024 / 1024:.1f} MB)"


def _check_dist(manifest: dict[str, Any], tarball: bytes) -> tuple[str, str]:
    dist = manifest.get("dist")
    if not isinstance(dist, dict):
        raise InvalidPayloadError("The version manifest has no dist")
    shasum = hashlib.sha1(tarball, usedforsecurity=False).hexdigest()
    integrity = sha512_integrity(tarball)
    if dist.get("shasum") != shasum:
        raise IntegrityMismatchError("dist.shasum does not match the tarball")
    # npm sends one sha512 entry; ssri strings may list several hashes separated by spaces.
    claimed = str(dist.get("integrity", "")).split()
    if integrity not in claimed:
        raise IntegrityMismatchError("dist.integrity does not match the tarball (sha512)")
    return integrity, shasum


def _dist_tags(tags: Any, version: str) -> dict[str, str]:
    if tags is None:
        return {"latest": version}
    if not isinstance(tags, dict) or not all(v == version for v in tags.values()):
        raise InvalidPayloadError("dist-tags in a publish must point at the published version")
    return {validate_tag(tag): version for tag in tags}


def _check_field_types(manifest: dict[str, Any]) -> None:
    """Installers read these fields without checking them (npm fetched `/0` for a string
    `dependencies`), so a manifest that would break them is refused here."""
    for field in DEPENDENCY_FIELDS:
        value = manifest.get(field)
        if field == "bundleDependencies" and (isinstance(value, bool) or _str_list(value)):
            continue
        if value is not None and not _str_map(value):
            raise InvalidPayloadError(f"{field} must be an object of names to version ranges")
    if "bin" in manifest and not (isinstance(manifest["bin"], str) or _str_map(manifest["bin"])):
        raise InvalidPayloadError("bin must be a path or an object of names to paths")
    for field in ("os", "cpu", "libc"):
        if field in manifest and not _str_list(manifest[field]):
            raise InvalidPayloadError(f"{field} must be a list of strings")
    for field in ("engines", "scripts"):
        if field in manifest and not _str_map(manifest[field]):
            raise InvalidPayloadError(f"{field} must be an object of strings")
    readme_free = {k: v for k, v in manifest.items() if k != "readme"}
    if len(json.dumps(readme_free)) > MAX_MANIFEST_BYTES:
        limit = MAX_MANIFEST_BYTES // 1024
        raise PayloadTooLargeError(f"The manifest is too large (max {limit} KB)")


def _str_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
