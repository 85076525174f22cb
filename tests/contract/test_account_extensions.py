"""AccountStore contract, extensions: profiles and two-factor state replaced by compare-and-swap
on `updated`, tokens listed by owner with their details, and stars."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import pytest

from chalicelib.errors import ConcurrentModificationError
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.records import ScopeRecord, TokenRecord, UserRecord
from tests.contract.legacy import T0, LegacyWriter
from tests.contract.support import run_threads
from tests.contract.test_account_store import user

T1 = "2024-02-03T04:05:06.789Z"
T2 = "2024-03-04T05:06:07.890Z"
PROFILE = {"fullname": "Ålice Ünïcode", "homepage": "https://alice.example", "github": "alice"}
TFA = {"mode": "auth-and-writes", "pending": False, "secret": "JBSWY3DP", "recovery": ["ab" * 32]}


def token(key: str, owner: str = "alice", created: str = T0, **changes: Any) -> TokenRecord:
    record = TokenRecord(key=key, user=owner, readonly=False, created=created, prefix=key[:6])
    return replace(record, **changes)


# --- users ------------------------------------------------------------------------------------


def test_a_new_user_has_no_profile_no_two_factor_and_was_never_updated(
    account_store: AccountStore,
) -> None:
    account_store.create_user(user())

    stored = account_store.get_user("alice")
    assert stored is not None
    assert (stored.updated, stored.profile, stored.tfa) == ("", {}, None)


def test_a_created_user_keeps_profile_and_two_factor(account_store: AccountStore) -> None:
    created = replace(user(), profile=PROFILE, tfa=TFA)
    account_store.create_user(created)

    assert account_store.get_user("alice") == created


def test_replacing_with_the_current_updated_lands_each_time(account_store: AccountStore) -> None:
    account_store.create_user(user())

    first = replace(user(), updated=T1, profile=PROFILE, tfa=TFA)
    account_store.replace_user(first, expected_updated="")
    assert account_store.get_user("alice") == first

    second = replace(first, updated=T2, email="new@example.com", profile={}, tfa=None)
    account_store.replace_user(second, expected_updated=T1)
    assert account_store.get_user("alice") == second


@pytest.mark.parametrize("stale", ["", "2020-01-01T00:00:00.000Z"])
def test_replacing_with_a_stale_updated_conflicts_and_keeps_the_stored_user(
    account_store: AccountStore, stale: str
) -> None:
    account_store.create_user(user())
    current = replace(user(), updated=T1, profile=PROFILE)
    account_store.replace_user(current, expected_updated="")

    with pytest.raises(ConcurrentModificationError):
        account_store.replace_user(replace(user(), updated=T2, tfa=TFA), expected_updated=stale)

    assert account_store.get_user("alice") == current


def test_replacing_a_missing_user_conflicts_and_creates_nobody(
    account_store: AccountStore,
) -> None:
    with pytest.raises(ConcurrentModificationError):
        account_store.replace_user(replace(user("ghost"), updated=T1), expected_updated="")

    assert account_store.get_user("ghost") is None


@pytest.mark.parametrize("updated", ["", T1])
def test_a_replacement_must_carry_a_new_updated(account_store: AccountStore, updated: str) -> None:
    account_store.create_user(replace(user(), updated=T1))

    with pytest.raises(ValueError, match="new `updated`"):
        account_store.replace_user(replace(user(), updated=updated), expected_updated=T1)


def test_replacing_a_user_leaves_the_scope_of_their_name(account_store: AccountStore) -> None:
    account_store.create_user(user())
    account_store.replace_user(replace(user(), updated=T1, profile=PROFILE), expected_updated="")

    assert account_store.get_scope("alice") == ScopeRecord("alice", "alice", T0)


def test_a_user_written_before_profiles_reads_with_defaults_and_can_be_replaced(
    account_store: AccountStore, legacy: LegacyWriter
) -> None:
    legacy.user("old")

    expected = UserRecord(name="old", email="old@example.com", password_hash="h", created=T0)
    assert account_store.get_user("old") == expected

    replaced = replace(expected, updated=T1, tfa=TFA)
    account_store.replace_user(replaced, expected_updated="")
    assert account_store.get_user("old") == replaced


def test_ten_concurrent_profile_edits_with_retries_all_land(account_store: AccountStore) -> None:
    account_store.create_user(user())

    def edit(i: int) -> None:
        for _ in range(200):  # what a use case does when it loses the compare-and-swap
            current = account_store.get_user("alice")
            assert current is not None
            edited = replace(
                current,
                updated=f"{T1}/{uuid.uuid4().hex}",
                profile={**current.profile, f"field{i}": str(i)},
            )
            try:
                account_store.replace_user(edited, expected_updated=current.updated)
                return
            except ConcurrentModificationError:
                continue
        raise AssertionError(f"edit {i} never landed")

    assert run_threads(10, edit) == []
    stored = account_store.get_user("alice")
    assert stored is not None
    assert stored.profile == {f"field{i}": str(i) for i in range(10)}  # no edit was lost


# --- tokens -----------------------------------------------------------------------------------


def test_a_token_keeps_every_detail(account_store: AccountStore) -> None:
    created = token(
        "a" * 128,
        readonly=True,
        name="ci — deploy ✓",
        description="for the release job",
        cidr_whitelist=("192.168.0.0/16", "10.0.0.1/32"),
        expires="2025-01-01T00:00:00.000Z",
        grants={
            "packages": ["foo", "@acme/bar"],
            "scopes": ["@acme"],
            "orgs": [],
            "packages_all": False,
            "permission": "read-write",
        },
        kind="created",
    )
    account_store.put_token(created)

    assert account_store.get_token(created.key) == created
    assert account_store.list_tokens("alice") == [created]


def test_a_token_with_no_details_reads_back_with_the_defaults(
    account_store: AccountStore,
) -> None:
    account_store.put_token(token("a" * 128))

    stored = account_store.get_token("a" * 128)
    assert stored is not None
    assert (stored.name, stored.description, stored.cidr_whitelist) == (None, None, ())
    assert (stored.expires, stored.grants, stored.kind) == (None, {}, "session")


def test_tokens_are_listed_by_owner_oldest_first(account_store: AccountStore) -> None:
    newer = token("a" * 128, created=T2)
    older = token("b" * 128, created=T1, kind="created")
    same_time = token("c" * 128, created=T2)
    bobs = token("d" * 128, owner="bob")
    for record in [newer, older, bobs, same_time]:
        account_store.put_token(record)

    assert account_store.list_tokens("alice") == [older, newer, same_time]
    assert account_store.list_tokens("bob") == [bobs]
    assert account_store.list_tokens("carol") == []


def test_a_deleted_token_is_no_longer_listed(account_store: AccountStore) -> None:
    kept, revoked = token("a" * 128), token("b" * 128)
    account_store.put_token(kept)
    account_store.put_token(revoked)

    account_store.delete_token(revoked.key)
    account_store.delete_token(revoked.key)

    assert account_store.list_tokens("alice") == [kept]
    assert account_store.get_token(revoked.key) is None


def test_replacing_a_token_replaces_its_listing(account_store: AccountStore) -> None:
    account_store.put_token(token("a" * 128))
    renamed = token("a" * 128, name="renamed")

    account_store.put_token(renamed)

    assert account_store.list_tokens("alice") == [renamed]


def test_a_token_written_before_token_details_reads_with_defaults(
    account_store: AccountStore, legacy: LegacyWriter
) -> None:
    legacy.token("e" * 128, "alice")

    assert account_store.get_token("e" * 128) == TokenRecord(
        key="e" * 128, user="alice", readonly=False, created=T0, prefix="npm_old"
    )
    account_store.delete_token("e" * 128)
    assert account_store.get_token("e" * 128) is None


# --- stars ------------------------------------------------------------------------------------


def test_stars_are_listed_by_user_sorted(account_store: AccountStore) -> None:
    for package in ["zeta", "@acme/tool", "alpha"]:
        account_store.set_star("alice", package, starred=True)
    account_store.set_star("bob", "zeta", starred=True)

    assert account_store.starred_by("alice") == ["@acme/tool", "alpha", "zeta"]
    assert account_store.starred_by("bob") == ["zeta"]
    assert account_store.starred_by("carol") == []


def test_starring_twice_and_unstarring_twice_are_fine(account_store: AccountStore) -> None:
    account_store.set_star("alice", "foo", starred=True)
    account_store.set_star("alice", "foo", starred=True)
    account_store.set_star("alice", "bar", starred=True)
    assert account_store.starred_by("alice") == ["bar", "foo"]

    account_store.set_star("alice", "foo", starred=False)
    account_store.set_star("alice", "foo", starred=False)
    account_store.set_star("alice", "never-starred", starred=False)
    assert account_store.starred_by("alice") == ["bar"]


def test_stars_tokens_and_the_account_do_not_mix(account_store: AccountStore) -> None:
    # On DynamoDB all three live in the user's partition.
    account_store.create_user(user())
    alices = token("a" * 128)
    account_store.put_token(alices)
    account_store.set_star("alice", "foo", starred=True)

    assert account_store.starred_by("alice") == ["foo"]
    assert account_store.list_tokens("alice") == [alices]
    assert account_store.get_user("alice") == user()
