"""The `.sigstore` attachment of a `--provenance` publish (libnpmpublish `buildMetadata`): a
sigstore bundle whose DSSE envelope holds an in-toto statement about the tarball.

Checked here as libnpmpublish's `verifyProvenance` checks a `--provenance-file`: one subject,
named by the version's package URL, with the tarball's sha512. The bundle's signatures (Fulcio
certificate, Rekor entry) are checked by npm when it installs or audits (pacote's registry
fetcher, `sigstore.verify`), against sigstore's trusted root; the registry only refuses a bundle
that is about another package.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import InvalidPayloadError, PayloadTooLargeError

SIGSTORE_SUFFIX = ".sigstore"
# npmjs keeps SLSA provenance; a bundle is about 10 KB.
PREDICATE_TYPES = ("https://slsa.dev/provenance/v1", "https://slsa.dev/provenance/v0.2")
MAX_BUNDLE_BYTES = 256 * 1024
IN_TOTO = "application/vnd.in-toto+json"


@dataclass(frozen=True)
class Provenance:
    bundle: dict[str, Any]
    predicate_type: str


def package_url(name: str, version: str) -> str:
    """npm-package-arg's `toPurl`: `pkg:npm/%40scope/name@version`."""
    return f"pkg:npm/{name.replace('@', '%40', 1) if name.startswith('@') else name}@{version}"


def provenance_of(
    attachments: dict[str, Any], name: str, version: str, tarball: bytes
) -> Provenance | None:
    """The checked bundle of a publish's attachments; None when it has none."""
    found = {k: v for k, v in attachments.items() if str(k).endswith(SIGSTORE_SUFFIX)}
    if not found:
        return None
    expected = f"{name}-{version}{SIGSTORE_SUFFIX}"
    if list(found) != [expected] or not isinstance(found[expected], dict):
        raise InvalidPayloadError(f"A provenance bundle must be the one attachment {expected}")
    data = found[expected].get("data")
    if not isinstance(data, str):
        raise InvalidPayloadError("The provenance attachment has no data")
    return checked_bundle(data, name, version, tarball)


def checked_bundle(data: str, name: str, version: str, tarball: bytes) -> Provenance:
    """A bundle (JSON text) that is about this tarball of this version."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise PayloadTooLargeError(
            f"The provenance bundle is too large (max {MAX_BUNDLE_BYTES // 1024} KB)"
        )
    bundle = _json_object(data, "Invalid provenance provided: not a JSON object")
    statement = _statement(bundle)
    _check_subject(statement, name, version, tarball)
    predicate_type = statement.get("predicateType")
    if predicate_type not in PREDICATE_TYPES:
        raise InvalidPayloadError(
            f"Provenance must be SLSA provenance ({', '.join(PREDICATE_TYPES)}),"
            f" not {predicate_type!r}"
        )
    return Provenance(bundle, str(predicate_type))


def _statement(bundle: dict[str, Any]) -> dict[str, Any]:
    envelope = bundle.get("dsseEnvelope")
    material = bundle.get("verificationMaterial")
    if not isinstance(envelope, dict) or not isinstance(material, dict):
        raise InvalidPayloadError("No dsseEnvelope with payload found in sigstore bundle")
    payload = envelope.get("payload")
    if not isinstance(payload, str):
        raise InvalidPayloadError("No dsseEnvelope with payload found in sigstore bundle")
    if envelope.get("payloadType") != IN_TOTO:
        raise InvalidPayloadError(f"The sigstore bundle's payload is not {IN_TOTO}")
    _check_signed(envelope, material)
    try:
        text = base64.b64decode(payload, validate=True).decode()
    except (binascii.Error, ValueError):
        raise InvalidPayloadError("Failed to parse payload from dsseEnvelope") from None
    return _json_object(text, "Failed to parse payload from dsseEnvelope")


def _check_signed(envelope: dict[str, Any], material: dict[str, Any]) -> None:
    """What pacote reads before sigstore verifies the rest: a signature made with the bundle's
    own certificate (a `keyid` would send npm looking for a registry key, and a bundle without
    signatures makes it throw), and a transparency log entry. Either missing would abort every
    `npm audit signatures` of a project that installs the version."""
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise InvalidPayloadError("The sigstore bundle's envelope has no signature")
    for signature in signatures:
        if not isinstance(signature, dict) or not isinstance(signature.get("sig"), str):
            raise InvalidPayloadError("The sigstore bundle's envelope has no signature")
        if signature.get("keyid"):
            raise InvalidPayloadError("Provenance must be signed with its certificate, not a key")
    entries = material.get("tlogEntries")
    if (
        not isinstance(entries, list)
        or not entries
        or not all(isinstance(e, dict) for e in entries)
    ):
        raise InvalidPayloadError("The sigstore bundle has no transparency log entry")
    if not any(k in material for k in ("certificate", "x509CertificateChain")):
        raise InvalidPayloadError("The sigstore bundle has no signing certificate")


def _check_subject(statement: dict[str, Any], name: str, version: str, tarball: bytes) -> None:
    """libnpmpublish's words, so a user sees the same error as from `--provenance-file`."""
    subjects = statement.get("subject")
    if not isinstance(subjects, list) or not subjects:
        raise InvalidPayloadError("No subject found in sigstore bundle payload")
    if len(subjects) > 1:
        raise InvalidPayloadError("Found more than one subject in the sigstore bundle payload")
    subject = subjects[0] if isinstance(subjects[0], dict) else {}
    purl = package_url(name, version)
    if subject.get("name") != purl:
        raise InvalidPayloadError(
            f"Provenance subject {subject.get('name')} does not match the package: {purl}"
        )
    digest = subject.get("digest")
    if not isinstance(digest, dict) or digest.get("sha512") != hashlib.sha512(tarball).hexdigest():
        raise InvalidPayloadError("Provenance subject digest does not match the package")


def _json_object(text: str, error: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise InvalidPayloadError(error) from None
    if not isinstance(value, dict):
        raise InvalidPayloadError(error)
    return value
