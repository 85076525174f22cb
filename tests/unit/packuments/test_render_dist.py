"""What `dist` says about where a version came from is this registry's own: a version mirrored
before the mirror dropped them keeps its source's signatures and attestations in its record, and
rendering them would abort npm's audit (a key it cannot find, bundles that are not here)."""

from __future__ import annotations

from chalicelib.packuments.render import version_manifest
from chalicelib.signatures.keys import new_key
from chalicelib.signatures.signer import Signer
from chalicelib.storage.records import VersionRecord

NPMJS = {
    "integrity": "sha512-" + "A" * 86 + "==",
    "shasum": "0" * 40,
    "signatures": [{"keyid": "SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U", "sig": "MEUC"}],
    "attestations": {
        "url": "https://registry.npmjs.org/-/npm/v1/attestations/lib@1.0.0",
        "provenance": {"predicateType": "https://slsa.dev/provenance/v1"},
    },
}


def a_version(dist: dict[str, object]) -> VersionRecord:
    manifest = {"name": "lib", "version": "1.0.0", "dist": dist}
    return VersionRecord("lib", "1.0.0", manifest, "tarballs/lib/x.tgz", "2026-01-01T00:00Z", "al")


def test_a_sources_signatures_and_attestations_are_not_served() -> None:
    signer = Signer(new_key())

    dist = version_manifest(a_version(NPMJS), "https://r.example", signer)["dist"]

    assert "attestations" not in dist
    assert [s["keyid"] for s in dist["signatures"]] == [signer.keyid]
    unsigned = version_manifest(a_version(NPMJS), "https://r.example", None)["dist"]
    assert "signatures" not in unsigned and "attestations" not in unsigned


def test_this_registrys_attestations_get_its_url() -> None:
    ours = {**NPMJS, "attestations": {"provenance": NPMJS["attestations"]["provenance"]}}  # type: ignore[index]

    dist = version_manifest(a_version(ours), "https://r.example", None)["dist"]

    assert dist["attestations"] == {
        "provenance": {"predicateType": "https://slsa.dev/provenance/v1"},
        "url": "https://r.example/-/npm/v1/attestations/lib@1.0.0",
    }
