"""Registry signatures on both backends: `GET /-/npm/v1/keys` in npmjs's shape, and every version
in every document npm reads carries `dist.signatures` that verify with a listed key, the way
pacote checks them (`${name}@${version}:${integrity}`, ECDSA P-256 over SHA-256)."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from chalicelib import wiring
from chalicelib.clock import now_iso
from tests.api.conftest import Api, body_of

KEYS = "/-/npm/v1/keys"
CORGI = {"accept": "application/vnd.npm.install-v1+json"}


def keys_of(api: Api) -> list[dict[str, Any]]:
    answer = api.call("GET", KEYS)
    assert answer.status_code == 200, answer.body
    return list(body_of(answer)["keys"])


def verifies(key: dict[str, Any], message: str, sig: str) -> bool:
    public = serialization.load_der_public_key(base64.b64decode(key["key"]))
    assert isinstance(public, ec.EllipticCurvePublicKey)
    try:
        public.verify(base64.b64decode(sig), message.encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def check_signed(keys: list[dict[str, Any]], manifest: dict[str, Any]) -> str:
    """The keyid the version is signed with, after checking the signature as pacote does."""
    dist = manifest["dist"]
    [signature] = dist["signatures"]
    [key] = [k for k in keys if k["keyid"] == signature["keyid"]]
    message = f"{manifest['name']}@{manifest['version']}:{dist['integrity']}"
    assert verifies(key, message, signature["sig"]), message
    return str(signature["keyid"])


def test_the_registry_lists_one_current_key_in_npms_shape(any_api: Api) -> None:
    [key] = keys_of(any_api)

    assert key["keytype"] == key["scheme"] == "ecdsa-sha2-nistp256"
    assert key["expires"] is None
    assert re.fullmatch(r"SHA256:[A-Za-z0-9+/]{43}", key["keyid"])
    public = serialization.load_der_public_key(base64.b64decode(key["key"]))
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert public.curve.name == "secp256r1"
    assert keys_of(any_api) == [key]  # made once, then kept


def test_every_version_in_every_document_is_signed(any_api: Api, alice: str) -> None:
    assert any_api.publish("signed", "1.0.0", token=alice).status_code == 201
    assert any_api.publish("signed", "1.1.0", token=alice).status_code == 201
    keys = keys_of(any_api)

    full = body_of(any_api.call("GET", "/signed"))
    corgi = body_of(any_api.call("GET", "/signed", headers=CORGI))
    one = body_of(any_api.call("GET", "/signed/1.0.0"))

    manifests = [*full["versions"].values(), *corgi["versions"].values(), one]
    assert len(manifests) == 5
    assert {check_signed(keys, m) for m in manifests} == {keys[0]["keyid"]}


def test_signatures_are_made_when_rendered_not_stored(any_api: Api, alice: str) -> None:
    """So versions published before signing existed are signed too: nothing is stored."""
    assert any_api.publish("older", "1.0.0", token=alice).status_code == 201

    stored = wiring.registry().packages.get_version("older", "1.0.0")
    assert stored is not None
    assert "signatures" not in stored.manifest["dist"]
    check_signed(keys_of(any_api), body_of(any_api.call("GET", "/older"))["versions"]["1.0.0"])


def test_a_signature_does_not_verify_another_integrity(any_api: Api, alice: str) -> None:
    assert any_api.publish("tamper", "1.0.0", token=alice).status_code == 201
    [key] = keys_of(any_api)
    manifest = body_of(any_api.call("GET", "/tamper"))["versions"]["1.0.0"]
    sig = manifest["dist"]["signatures"][0]["sig"]

    forged = "sha512-" + base64.b64encode(b"\0" * 64).decode()
    assert not verifies(key, f"tamper@1.0.0:{forged}", sig)
    assert not verifies(key, f"tamper@1.0.1:{manifest['dist']['integrity']}", sig)


def test_rotation_lists_the_new_key_before_it_signs_and_keeps_the_old_one(
    any_api: Api, alice: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert any_api.publish("rotated", "1.0.0", token=alice).status_code == 201
    [old] = keys_of(any_api)
    before = any_api.call("GET", "/rotated")

    assert any_api.tarbox("keys", "rotate") == 0
    printed = capsys.readouterr().out.splitlines()

    # Listed at once, so clients know it before anything is signed with it.
    new, kept = keys_of(any_api)
    [pending] = wiring.registry().signing_keys.load().keys[:1]  # type: ignore[union-attr]
    assert printed == [
        f"{new['keyid']} next, signs from {pending.signs_from}",
        f"{old['keyid']} expires {kept['expires']}",
    ]
    assert kept["keyid"] == old["keyid"] and kept["key"] == old["key"]
    assert new["expires"] is None and new["keyid"] != old["keyid"]
    takes_over = datetime.fromisoformat(str(pending.signs_from))
    expires = datetime.fromisoformat(kept["expires"])
    # After every process's copy of the keys (5 min) and every client's list (1 min) aged out.
    assert datetime.now(UTC) + timedelta(minutes=6) < takes_over < expires
    assert expires < datetime.now(UTC) + timedelta(minutes=10)
    still = any_api.call("GET", "/rotated")
    assert still.headers["ETag"] == before.headers["ETag"]
    assert check_signed([new, kept], body_of(still)["versions"]["1.0.0"]) == old["keyid"]

    take_over_now()

    after = any_api.call("GET", "/rotated")
    assert after.headers["ETag"] != before.headers["ETag"]
    assert check_signed([new, kept], body_of(after)["versions"]["1.0.0"]) == new["keyid"]
    # What a client fetched before still verifies: its key is listed.
    assert check_signed([new, kept], body_of(before)["versions"]["1.0.0"]) == old["keyid"]


def take_over_now() -> None:
    """The time a rotated-in key waits, passed: its start moved to now."""
    store = wiring.registry().signing_keys
    assert store is not None
    ring = store.load(fresh=True)
    pending, *rest = ring.keys
    store.save([replace(pending, signs_from=now_iso()), *rest], ring.version)


def test_keys_list_prints_the_current_key(any_api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    [key] = keys_of(any_api)
    assert any_api.tarbox("keys", "list") == 0
    assert capsys.readouterr().out.strip() == f"{key['keyid']} current"


def test_without_a_key_secret_the_aws_backend_does_not_sign(api: Api, alice: str) -> None:
    api.configure(TARBOX_SIGNING_KEYS_SECRET=None)
    assert api.publish("unsigned", "1.0.0", token=alice).status_code == 201

    answer = api.call("GET", KEYS)
    assert answer.status_code == 404
    assert body_of(answer)["error"] == "This registry does not sign packages"
    assert "signatures" not in body_of(api.call("GET", "/unsigned"))["versions"]["1.0.0"]["dist"]
