"""SigningKeyStore contract: the key ring is replaced only by a writer that read the stored
version (compare-and-swap), so processes racing to make the first key, or to rotate, end with
one ring that every one of them then reads; the cache in front of it forgets on save."""

from __future__ import annotations

import pytest

from chalicelib.errors import ConflictError
from chalicelib.signatures.keys import current_key, new_key, rotate
from chalicelib.storage.cached_signing_keys import CachedSigningKeyStore
from chalicelib.storage.ports.signing_keys import SigningKeyStore
from chalicelib.storage.records import KeyRing
from tests.contract.support import run_threads


def test_nothing_is_stored_at_first(signing_key_store: SigningKeyStore) -> None:
    assert signing_key_store.load() == KeyRing((), None)


def test_keys_are_read_back_with_a_new_version(signing_key_store: SigningKeyStore) -> None:
    first = new_key()
    signing_key_store.save([first], None)
    stored = signing_key_store.load()
    assert stored.keys == (first,) and stored.version is not None

    second = new_key()
    signing_key_store.save([second, first], stored.version)
    again = signing_key_store.load()
    assert again.keys == (second, first)
    assert again.version not in (None, stored.version)


def test_a_save_from_a_stale_version_is_refused(signing_key_store: SigningKeyStore) -> None:
    signing_key_store.save([new_key()], None)
    read = signing_key_store.load()
    winner = new_key()
    signing_key_store.save([winner], read.version)

    with pytest.raises(ConflictError):
        signing_key_store.save([new_key()], read.version)
    with pytest.raises(ConflictError):
        signing_key_store.save([new_key()], None)
    assert signing_key_store.load().keys == (winner,)


def test_racing_first_keys_make_one(signing_key_store: SigningKeyStore) -> None:
    made: list[str] = []

    def start(_: int) -> None:
        made.append(current_key(signing_key_store).keyid)

    assert run_threads(6, start) == []
    [key] = signing_key_store.load().keys
    assert made == [key.keyid] * 6


def test_racing_rotations_each_add_a_key_and_keep_the_rest(
    signing_key_store: SigningKeyStore,
) -> None:
    first = current_key(signing_key_store)

    assert run_threads(3, lambda _: rotate(signing_key_store)) == []

    keys = signing_key_store.load().keys
    assert len(keys) == 4 and keys[-1].keyid == first.keyid
    assert [k.expires is None for k in keys] == [True, False, False, False]


def test_the_cache_serves_what_it_read_until_a_save(signing_key_store: SigningKeyStore) -> None:
    cached = CachedSigningKeyStore(signing_key_store)
    first = current_key(cached)
    assert cached.load().keys == (first,)
    signing_key_store.save([new_key(), first], signing_key_store.load().version)

    assert cached.load().keys == (first,)  # another process rotated: seen within minutes
    assert len(cached.load(fresh=True).keys) == 2
    rotate(cached)
    assert len(cached.load().keys) == 3
