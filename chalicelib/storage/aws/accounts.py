"""DynamoAccountStore: users, tokens, scopes and stars (keys in `keys.py`).

Tokens are listed without a secondary index: `put_token` writes the TOKEN# item (what a request
authenticates against) and the user's copy in one transaction, and `delete_token` reads the token
for its owner and removes both in one transaction. Tokens written before the copies existed are
still valid but are not listed.
"""

from __future__ import annotations

from collections.abc import Iterator

from chalicelib.errors import ConcurrentModificationError, ScopeClaimedError, UserExistsError
from chalicelib.settings import Settings
from chalicelib.storage.aws import keys
from chalicelib.storage.aws.table import (
    ScopeItem,
    Table,
    TokenItem,
    UserItem,
    commit,
    delete,
    get,
    put,
    query_prefix,
    scan_prefix,
    table_for,
)
from chalicelib.storage.codec import (
    check_new_updated,
    dumps,
    loads_object,
    token_details,
    with_token_details,
)
from chalicelib.storage.records import ScopeRecord, TokenRecord, UserRecord


def _user_item(t: Table, user: UserRecord) -> UserItem:
    return t.user(
        *keys.user(user.name),
        name=user.name,
        email=user.email,
        password_hash=user.password_hash,
        created=user.created,
        updated=user.updated or None,  # absent, like items from before replace_user existed
        profile=dumps(user.profile),
        tfa=None if user.tfa is None else dumps(user.tfa),
    )


def _user_record(item: UserItem) -> UserRecord:
    return UserRecord(
        name=item.name,
        email=item.email,
        password_hash=item.password_hash,
        created=item.created,
        updated=item.updated or "",
        profile=loads_object(item.profile),
        tfa=None if item.tfa is None else loads_object(item.tfa),
    )


def _token_item(t: Table, token: TokenRecord, key: tuple[str, str]) -> TokenItem:
    return t.token(
        *key,
        key=token.key,
        user=token.user,
        readonly=token.readonly,
        created=token.created,
        prefix=token.prefix,
        details=dumps(token_details(token)),
    )


def _token_record(item: TokenItem) -> TokenRecord:
    record = TokenRecord(
        key=item.key,
        user=item.user,
        readonly=bool(item.readonly),
        created=item.created,
        prefix=item.prefix,
    )
    return with_token_details(record, loads_object(item.details))


def scope_item(t: Table, s: ScopeRecord) -> ScopeItem:
    """Also written by DynamoOrgStore.create_org, in its transaction."""
    return t.scope(
        *keys.scope(s.scope), scope=s.scope, owner=s.owner, created=s.created, kind=s.kind
    )


class DynamoAccountStore:
    def __init__(self, settings: Settings) -> None:
        self._t = table_for(settings)

    def create_user(self, user: UserRecord) -> None:
        t = self._t
        scope = ScopeRecord(scope=user.name, owner=user.name, created=user.created)
        codes = commit(
            t,
            [
                (_user_item(t, user), t.user.pk.does_not_exist()),
                (scope_item(t, scope), t.scope.pk.does_not_exist()),
            ],
        )
        if codes is not None:
            raise UserExistsError(f"the name {user.name} is taken")

    def get_user(self, name: str) -> UserRecord | None:
        item = get(self._t.user, *keys.user(name))
        return None if item is None else _user_record(item)

    def replace_user(self, user: UserRecord, expected_updated: str) -> None:
        check_new_updated(user, expected_updated)
        model = self._t.user
        current = (
            model.updated.does_not_exist() | (model.updated == "")
            if expected_updated == ""
            else model.updated == expected_updated
        )
        if not put(_user_item(self._t, user), model.pk.exists() & current):
            raise ConcurrentModificationError(
                f"{user.name} changed (or is gone) since {expected_updated!r}"
            )

    def list_tokens(self, user: str) -> list[TokenRecord]:
        items = query_prefix(self._t.token, keys.user_pk(user), keys.TOKEN_PREFIX)
        return sorted((_token_record(item) for item in items), key=lambda t: (t.created, t.key))

    def put_token(self, token: TokenRecord) -> None:
        t = self._t
        codes = commit(
            t,
            [
                (_token_item(t, token, keys.token(token.key)), None),
                (_token_item(t, token, keys.user_token(token.user, token.key)), None),
            ],
        )
        if codes is not None:  # no conditions: only a racing transaction on the same token
            raise ConcurrentModificationError(f"token {token.prefix}… is being written")

    def get_token(self, key: str) -> TokenRecord | None:
        item = get(self._t.token, *keys.token(key))
        return None if item is None else _token_record(item)

    def delete_token(self, key: str) -> None:
        # Deleting a missing token succeeds, which is what revoking twice should do.
        t = self._t
        item = get(t.token, *keys.token(key))
        if item is None:
            return
        copy = t.token(*keys.user_token(item.user, key))
        if commit(t, [], [t.token(*keys.token(key)), copy]) is not None:
            raise ConcurrentModificationError(f"token {item.prefix}… is being changed")

    def get_scope(self, scope: str) -> ScopeRecord | None:
        item = get(self._t.scope, *keys.scope(scope))
        return (
            None
            if item is None
            else ScopeRecord(
                scope=item.scope, owner=item.owner, created=item.created, kind=item.kind or "user"
            )
        )

    def claim_scope(self, scope: ScopeRecord) -> None:
        t = self._t
        if not put(scope_item(t, scope), t.scope.pk.does_not_exist()):
            raise ScopeClaimedError(f"the scope @{scope.scope} is taken")

    def set_star(self, user: str, package: str, *, starred: bool) -> None:
        item = self._t.star(*keys.star(user, package), package=package)
        if starred:
            put(item, None)
        else:
            delete(item)

    def starred_by(self, user: str) -> list[str]:
        items = query_prefix(self._t.star, keys.user_pk(user), keys.STAR_PREFIX)
        return sorted(item.package for item in items)

    def all_users(self) -> Iterator[UserRecord]:
        items = scan_prefix(self._t.user, keys.USER_PREFIX, keys.USER_SK)
        return (_user_record(item) for item in items)
