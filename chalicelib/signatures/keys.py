"""The registry's signing keys, as npm's registry keeps them: ECDSA P-256, named by fingerprint,
published at `GET /-/npm/v1/keys`, rotated with the old key kept and marked expired.

npm (pacote's registry fetcher) accepts a signature by an expired key only for a version
published before the key's `expires`, so a rotated key stays listed for good: every document a
client or a cache still holds keeps verifying.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.clock import iso, now_iso, parse_iso
from chalicelib.errors import ConflictError
from chalicelib.storage.cached_signing_keys import KEY_CACHE_SECONDS
from chalicelib.storage.ports.signing_keys import SigningKeyStore
from chalicelib.storage.records import KeyRing, SigningKey

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

# What npmjs names its keys' type and scheme (registry.npmjs.org/-/npm/v1/keys).
KEY_TYPE = "ecdsa-sha2-nistp256"
# How long a client or cache may keep the key list (`GET /-/npm/v1/keys`).
KEYS_MAX_AGE = 60
# A rotated-in key is listed at once but signs only once every process has re-read the keys and
# every client's copy of the list has aged out: a document signed with a key the client has not
# seen fails npm's audit (EMISSINGSIGNATUREKEY). Until then the old key signs; it expires a
# minute after the new one takes over (clocks differ).
ROTATION_DELAY = timedelta(seconds=KEY_CACHE_SECONDS + KEYS_MAX_AGE + 60)
CLOCK_SLACK = timedelta(seconds=60)


def current_key(store: SigningKeyStore) -> SigningKey:
    """The key that signs now; the first one is made on first use (one, however many processes
    race to make it)."""
    ring = store.load()
    for _attempt in range(3):
        key = _current(ring, datetime.now(UTC))
        if key is not None:
            return key
        try:
            first = new_key()
            store.save((first, *ring.keys), ring.version)
            return first
        except ConflictError:
            ring = store.load(fresh=True)
    raise ConflictError("The signing keys keep changing; try again")


def existing_key(store: SigningKeyStore) -> SigningKey | None:
    """The key that signs now, if one was made: for readers that may not write the keys (the
    hook worker, `tarbox fsck`)."""
    return _current(store.load(), datetime.now(UTC))


def rotate(store: SigningKeyStore) -> SigningKey:
    """A new key, listed at once and signing after ROTATION_DELAY; the keys that sign until then
    expire just after. Every old key stays listed, so what it signed goes on verifying."""
    now = datetime.now(UTC)
    takes_over = now + ROTATION_DELAY
    for _attempt in range(3):
        ring = store.load(fresh=True)
        expires = iso(takes_over + CLOCK_SLACK)
        kept = tuple(k if k.expires else replace(k, expires=expires) for k in ring.keys)
        added = replace(new_key(), signs_from=iso(takes_over))
        try:
            store.save((added, *kept), ring.version)
        except ConflictError:
            continue
        return added
    raise ConflictError("The signing keys keep changing; try again")


def public_keys(store: SigningKeyStore) -> list[dict[str, Any]]:
    """`GET /-/npm/v1/keys`'s `keys`, in npmjs's shape, newest first (one that does not sign
    yet included: clients must know it before anything is signed with it)."""
    current_key(store)
    return [
        {
            "expires": key.expires,
            "keyid": key.keyid,
            "keytype": KEY_TYPE,
            "scheme": KEY_TYPE,
            "key": public_key_base64(key.private_key),
        }
        for key in store.load().keys
    ]


def describe(key: SigningKey, now: datetime | None = None) -> str:
    """One line for `tarbox keys`: the key and what it does."""
    now = now or datetime.now(UTC)
    if key.expires is not None:
        return f"{key.keyid} expires {key.expires}"
    if key.signs_from is not None and parse_iso(key.signs_from) > now:
        return f"{key.keyid} next, signs from {key.signs_from}"
    return f"{key.keyid} current"


def new_key() -> SigningKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return SigningKey(keyid=keyid_of(private.public_key()), private_key=pem, created=now_iso())


def keyid_of(public: ec.EllipticCurvePublicKey) -> str:
    """`SHA256:<unpadded base64>` of the key's SSH wire form: `ssh-keygen -l`'s fingerprint, the
    way npmjs names its keys."""
    from cryptography.hazmat.primitives import serialization

    ssh = public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    blob = base64.b64decode(ssh.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def public_key_base64(private_pem: str) -> str:
    """The public key as npm reads it: base64 of its DER SubjectPublicKeyInfo (npm wraps it in
    PEM armour itself)."""
    from cryptography.hazmat.primitives import serialization

    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def _current(ring: KeyRing, now: datetime) -> SigningKey | None:
    """The key that most lately began to sign."""
    return next((key for start, key in _schedule(ring) if start <= now), None)


# Every packument read asks for the current key: the ring's start times are parsed once per ring
# read from the store (the cached store hands out the same ring until it reads again).
_SCHEDULE: tuple[KeyRing, tuple[tuple[datetime, SigningKey], ...]] | None = None


def _schedule(ring: KeyRing) -> tuple[tuple[datetime, SigningKey], ...]:
    """The ring's keys by when they begin to sign, latest first."""
    global _SCHEDULE  # noqa: PLW0603 - a one-entry cache, replaced whole (atomic for threads)
    cached = _SCHEDULE
    if cached is not None and cached[0] is ring:
        return cached[1]
    schedule = tuple(
        sorted(((parse_iso(signs_from(k)), k) for k in ring.keys), key=lambda s: s[0], reverse=True)
    )
    _SCHEDULE = (ring, schedule)
    return schedule


def signs_from(key: SigningKey) -> str:
    return key.signs_from or key.created
