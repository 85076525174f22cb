"""The version item a publish stores: the client's manifest plus what the registry owns."""

from __future__ import annotations

from typing import Any

from chalicelib.auth.service import Actor
from chalicelib.clock import now_iso
from chalicelib.errors import InvalidTarballError
from chalicelib.packuments.meta import MAX_README_CHARS
from chalicelib.packuments.versions import clean
from chalicelib.publish.payload import PublishRequest
from chalicelib.publish.tarball import TarballFacts
from chalicelib.storage.records import VersionRecord

# Fields the registry owns: whatever the client sends for them is replaced (or dropped).
CLIENT_FIELDS_DROPPED = (
    "readme",
    "_npmUser",
    "maintainers",
    "_attachments",
    "_rev",
    "deprecated",  # deprecation lives on the package item, changed only by npm deprecate
)
INSTALL_SCRIPTS = ("preinstall", "install", "postinstall")


def check_tarball_manifest(request: PublishRequest, facts: TarballFacts) -> None:
    """The tarball's own package.json must name the published package and version. npm publishes
    `semver.clean(version)` while the tarball keeps what was written (`v1.0.0`, `1.0.0+build.7`),
    so versions are compared cleaned."""
    packed = facts.package_json
    packed_version = packed.get("version")
    cleaned = clean(packed_version) if isinstance(packed_version, str) else None
    if packed.get("name") != request.name or cleaned != request.version:
        raise InvalidTarballError(
            "The tarball's package.json does not match the published name and version"
        )


def version_record(
    request: PublishRequest, facts: TarballFacts, actor: Actor, tarball_key: str
) -> VersionRecord:
    manifest: dict[str, Any] = {
        k: v for k, v in request.manifest.items() if k not in CLIENT_FIELDS_DROPPED
    }
    manifest["_id"] = f"{request.name}@{request.version}"
    manifest["_npmUser"] = _npm_user(actor)
    manifest["maintainers"] = [{"name": actor.name, "email": actor.email}]
    manifest["dist"] = {
        "integrity": request.integrity,
        "shasum": request.shasum,
        "fileCount": facts.file_count,
        "unpackedSize": facts.unpacked_size,
    }
    if request.provenance is not None:
        # Its URL is added when rendered (packuments/dist.py); the bundle is a blob.
        predicate = {"predicateType": request.provenance.predicate_type}
        manifest["dist"]["attestations"] = {"provenance": predicate}
    manifest.pop("hasInstallScript", None)
    if _has_install_script(manifest, facts):
        manifest["hasInstallScript"] = True
    return VersionRecord(
        name=request.name,
        version=request.version,
        manifest=manifest,
        tarball_key=tarball_key,
        published=now_iso(),
        publisher=actor.name,
        readme=request.readme[:MAX_README_CHARS],
    )


def _has_install_script(manifest: dict[str, Any], facts: TarballFacts) -> bool:
    """Whether installing runs a script. npm's arborist trusts this flag from the registry, so it
    comes from the tarball's own package.json as well as the body's: a `postinstall` hidden in the
    tarball still counts. npm runs `node-gyp rebuild` for a binding.gyp."""
    return (
        _names_install_script(manifest)
        or _names_install_script(facts.package_json)
        or facts.has_binding_gyp
    )


def _names_install_script(manifest: dict[str, Any]) -> bool:
    scripts = manifest.get("scripts")
    return isinstance(scripts, dict) and any(s in scripts for s in INSTALL_SCRIPTS)


def _npm_user(actor: Actor) -> dict[str, Any]:
    """Who published, and, as npmjs says it, the trusted publisher (CI) that did it for them."""
    user: dict[str, Any] = {"name": actor.name, "email": actor.email}
    publisher = actor.trusted_publisher
    if publisher is not None:
        user["trustedPublisher"] = {k: publisher[k] for k in ("id", "oidcConfigId")}
    return user
