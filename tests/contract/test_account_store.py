"""AccountStore contract: users and scopes are claimed once; tokens are stored by their hash."""

from __future__ import annotations

import pytest

from chalicelib.errors import ScopeClaimedError, UserExistsError
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.records import ScopeRecord, TokenRecord, UserRecord

T0 = "2024-01-02T03:04:05.678Z"


def user(name: str = "alice", email: str = "alice@example.com") -> UserRecord:
    return UserRecord(
        name=name,
        email=email,
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        created=T0,
    )


def token(key: str = "a" * 128, readonly: bool = False) -> TokenRecord:
    return TokenRecord(key=key, user="alice", readonly=readonly, created=T0, prefix="npm_abc")


def test_a_created_user_reads_back(account_store: AccountStore) -> None:
    account_store.create_user(user(email="ålice+npm@exämple.com"))

    assert account_store.get_user("alice") == user(email="ålice+npm@exämple.com")


def test_creating_an_existing_user_conflicts_and_keeps_the_first(
    account_store: AccountStore,
) -> None:
    account_store.create_user(user())

    with pytest.raises(UserExistsError):
        account_store.create_user(user(email="mallory@example.com"))

    assert account_store.get_user("alice") == user()


def test_creating_a_user_claims_the_scope_of_their_name(account_store: AccountStore) -> None:
    account_store.create_user(user())

    assert account_store.get_scope("alice") == ScopeRecord(scope="alice", owner="alice", created=T0)
    with pytest.raises(ScopeClaimedError):
        account_store.claim_scope(ScopeRecord(scope="alice", owner="mallory", created=T0))


def test_a_user_cannot_take_the_name_of_a_claimed_scope(account_store: AccountStore) -> None:
    account_store.claim_scope(ScopeRecord(scope="acme", owner="bob", created=T0))

    with pytest.raises(UserExistsError):
        account_store.create_user(user("acme"))

    assert account_store.get_user("acme") is None
    assert account_store.get_scope("acme") == ScopeRecord(scope="acme", owner="bob", created=T0)


def test_claiming_a_scope_twice_conflicts_and_keeps_the_first_owner(
    account_store: AccountStore,
) -> None:
    account_store.claim_scope(ScopeRecord(scope="acme", owner="bob", created=T0))

    with pytest.raises(ScopeClaimedError):
        account_store.claim_scope(
            ScopeRecord(scope="acme", owner="mallory", created="2025-01-01T00:00:00.000Z")
        )

    assert account_store.get_scope("acme") == ScopeRecord(scope="acme", owner="bob", created=T0)


def test_missing_users_scopes_and_tokens_read_as_none(account_store: AccountStore) -> None:
    assert account_store.get_user("nobody") is None
    assert account_store.get_scope("nobody") is None
    assert account_store.get_token("f" * 128) is None


@pytest.mark.parametrize("readonly", [False, True])
def test_a_token_reads_back_until_it_is_deleted(
    account_store: AccountStore, readonly: bool
) -> None:
    stored = token(readonly=readonly)
    other = token(key="b" * 128)
    account_store.put_token(stored)
    account_store.put_token(other)

    assert account_store.get_token(stored.key) == stored
    account_store.delete_token(stored.key)

    assert account_store.get_token(stored.key) is None
    assert account_store.get_token(other.key) == other


def test_deleting_a_missing_token_is_fine(account_store: AccountStore) -> None:
    account_store.delete_token("c" * 128)

    assert account_store.get_token("c" * 128) is None
