"""OrgStore contract: an org claims the scope of its name at once with its first owner; members
(with roles) are listed both ways; teams are created once and take their members with them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from chalicelib.errors import (
    LastOwnerError,
    ScopeClaimedError,
    TeamExistsError,
    UserExistsError,
)
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.ports.orgs import OrgStore
from chalicelib.storage.records import OrgRecord, ScopeRecord
from tests.contract.legacy import LegacyWriter
from tests.contract.support import run_threads
from tests.contract.test_account_store import user

T0 = "2024-01-02T03:04:05.678Z"
ACME = OrgRecord(name="acme", created=T0)


# --- orgs and their scopes --------------------------------------------------------------------


def test_a_created_org_reads_back_with_its_owner(org_store: OrgStore) -> None:
    org_store.create_org(ACME, owner="alice")

    assert org_store.get_org("acme") == ACME
    assert org_store.members("acme") == {"alice": "owner"}
    assert org_store.orgs_of("alice") == {"acme": "owner"}


def test_a_missing_org_reads_as_none_and_empty(org_store: OrgStore) -> None:
    assert org_store.get_org("nope") is None
    assert org_store.members("nope") == {}
    assert org_store.teams("nope") == {}
    assert org_store.team_members("nope", "developers") == []
    assert org_store.orgs_of("nobody") == {}


def test_creating_an_org_claims_its_scope_as_an_org(
    org_store: OrgStore, account_store: AccountStore
) -> None:
    org_store.create_org(ACME, owner="alice")

    assert account_store.get_scope("acme") == ScopeRecord("acme", "acme", T0, kind="org")
    with pytest.raises(ScopeClaimedError):
        account_store.claim_scope(ScopeRecord("acme", "mallory", T0))


def test_an_org_cannot_take_the_scope_of_a_user_and_writes_nothing(
    org_store: OrgStore, account_store: AccountStore
) -> None:
    account_store.create_user(user("acme"))

    with pytest.raises(ScopeClaimedError):
        org_store.create_org(ACME, owner="alice")

    assert org_store.get_org("acme") is None
    assert org_store.members("acme") == {}
    assert org_store.orgs_of("alice") == {}
    assert account_store.get_scope("acme") == ScopeRecord("acme", "acme", T0, kind="user")


def test_creating_an_org_twice_conflicts_and_keeps_the_first(org_store: OrgStore) -> None:
    org_store.create_org(ACME, owner="alice")

    with pytest.raises(ScopeClaimedError):
        org_store.create_org(OrgRecord("acme", "2025-01-01T00:00:00.000Z"), owner="mallory")

    assert org_store.get_org("acme") == ACME
    assert org_store.members("acme") == {"alice": "owner"}
    assert org_store.orgs_of("mallory") == {}


def test_a_user_cannot_take_the_name_of_an_org(
    org_store: OrgStore, account_store: AccountStore
) -> None:
    org_store.create_org(ACME, owner="alice")

    with pytest.raises(UserExistsError):
        account_store.create_user(user("acme"))

    assert account_store.get_user("acme") is None


# --- scope kinds ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["user", "org"])
def test_a_claimed_scope_keeps_its_kind(account_store: AccountStore, kind: str) -> None:
    account_store.claim_scope(ScopeRecord("acme", "bob", T0, kind=kind))

    assert account_store.get_scope("acme") == ScopeRecord("acme", "bob", T0, kind=kind)


def test_a_user_claims_a_scope_of_kind_user(account_store: AccountStore) -> None:
    account_store.create_user(user())

    scope = account_store.get_scope("alice")
    assert scope is not None
    assert scope.kind == "user"


def test_an_old_scope_without_a_kind_reads_as_a_user_scope(
    legacy: LegacyWriter, account_store: AccountStore
) -> None:
    legacy.user("old")

    assert account_store.get_scope("old") == ScopeRecord("old", "old", T0, kind="user")


def test_an_old_database_gains_the_scope_kind_column(tmp_path: Path) -> None:
    # SQLite only: a file from before `kind` has a `scopes` table without the column.
    from chalicelib.storage.embedded.accounts import SqliteAccountStore
    from chalicelib.storage.embedded.database import SqliteDatabase

    path = str(tmp_path / "old.db")
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE scopes (scope TEXT PRIMARY KEY, owner TEXT NOT NULL, created TEXT NOT NULL)"
    )
    old.execute("INSERT INTO scopes VALUES ('old', 'old', ?)", (T0,))
    old.commit()
    old.close()

    store = SqliteAccountStore(SqliteDatabase(path))
    SqliteDatabase(path)  # opening it again does not add the column twice

    assert store.get_scope("old") == ScopeRecord("old", "old", T0, kind="user")
    store.claim_scope(ScopeRecord("acme", "acme", T0, kind="org"))
    assert store.get_scope("acme") == ScopeRecord("acme", "acme", T0, kind="org")


# --- members ----------------------------------------------------------------------------------


def test_members_are_added_changed_and_removed(org_store: OrgStore) -> None:
    org_store.create_org(ACME, owner="alice")

    org_store.set_member("acme", "bob", "developer")
    assert org_store.members("acme") == {"alice": "owner", "bob": "developer"}
    assert org_store.orgs_of("bob") == {"acme": "developer"}

    org_store.set_member("acme", "bob", "admin")
    assert org_store.members("acme") == {"alice": "owner", "bob": "admin"}
    assert org_store.orgs_of("bob") == {"acme": "admin"}
    assert org_store.role_of("acme", "bob") == "admin"

    assert org_store.remove_member("acme", "bob") is True
    assert org_store.members("acme") == {"alice": "owner"}
    assert org_store.orgs_of("bob") == {}
    assert org_store.role_of("acme", "bob") is None
    assert org_store.role_of("nope", "alice") is None


def test_removing_a_non_member_is_false(org_store: OrgStore) -> None:
    org_store.create_org(ACME, owner="alice")

    assert org_store.remove_member("acme", "bob") is False
    assert org_store.members("acme") == {"alice": "owner"}


def test_removing_a_member_removes_them_from_every_team_of_that_org_only(
    org_store: OrgStore,
) -> None:
    org_store.create_org(ACME, owner="alice")
    org_store.create_org(OrgRecord("other", T0), owner="alice")
    org_store.set_member("acme", "bob", "developer")
    org_store.set_member("other", "bob", "developer")
    for org in ("acme", "other"):
        for team in ("developers", "ops"):
            org_store.create_team(org, team, "")
            org_store.add_team_member(org, team, "bob")
            org_store.add_team_member(org, team, "alice")

    assert org_store.remove_member("acme", "bob") is True

    assert org_store.team_members("acme", "developers") == ["alice"]
    assert org_store.team_members("acme", "ops") == ["alice"]
    assert org_store.team_members("other", "developers") == ["alice", "bob"]
    assert org_store.orgs_of("bob") == {"other": "developer"}


def test_orgs_of_lists_every_org_with_the_role_in_it(org_store: OrgStore) -> None:
    org_store.create_org(ACME, owner="alice")
    org_store.create_org(OrgRecord("beta", T0), owner="bob")
    org_store.create_org(OrgRecord("gamma", T0), owner="carol")
    org_store.set_member("beta", "alice", "admin")

    assert org_store.orgs_of("alice") == {"acme": "owner", "beta": "admin"}
    assert org_store.orgs_of("bob") == {"beta": "owner"}


def test_the_last_owner_is_neither_removed_nor_demoted(org_store: OrgStore) -> None:
    org_store.create_org(ACME, owner="alice")
    org_store.set_member("acme", "bob", "admin")

    with pytest.raises(LastOwnerError):
        org_store.remove_member("acme", "alice")
    with pytest.raises(LastOwnerError):
        org_store.set_member("acme", "alice", "admin")

    assert org_store.members("acme") == {"alice": "owner", "bob": "admin"}
    assert org_store.orgs_of("alice") == {"acme": "owner"}


def test_an_owner_leaves_when_another_owner_stays(org_store: OrgStore) -> None:
    org_store.create_org(ACME, owner="alice")
    org_store.set_member("acme", "bob", "owner")

    org_store.set_member("acme", "alice", "developer")
    assert org_store.remove_member("acme", "alice") is True

    assert org_store.members("acme") == {"bob": "owner"}


@pytest.mark.parametrize("how", ["remove", "demote"])
def test_owners_removing_each_other_at_once_leave_an_owner(org_store: OrgStore, how: str) -> None:
    """npmjs: an org always has an owner. Each owner of a ring removes (or demotes) the next one,
    all at once; whatever order the writes land in, one owner is left."""
    owners = ["alice", "bob", "carol"]
    for trial in range(6):
        org = f"ring{trial}"
        org_store.create_org(OrgRecord(org, T0), owner=owners[0])
        for owner in owners[1:]:
            org_store.set_member(org, owner, "owner")

        def change(i: int, org: str = org) -> None:
            target = owners[(i + 1) % len(owners)]
            if how == "remove":
                org_store.remove_member(org, target)
            else:
                org_store.set_member(org, target, "developer")

        failures = run_threads(len(owners), change)

        assert all(isinstance(failure, LastOwnerError) for failure in failures), failures
        left = [user for user, role in org_store.members(org).items() if role == "owner"]
        assert len(left) == len(failures) == 1, (trial, org_store.members(org))


# --- teams ------------------------------------------------------------------------------------


def test_teams_are_created_once_listed_and_deleted(org_store: OrgStore) -> None:
    org_store.create_org(ACME, owner="alice")
    org_store.create_team("acme", "developers", "everyone")
    org_store.create_team("acme", "ops", "Ünïcode öps")

    with pytest.raises(TeamExistsError):
        org_store.create_team("acme", "ops", "again")

    assert org_store.teams("acme") == {"developers": "everyone", "ops": "Ünïcode öps"}
    assert org_store.delete_team("acme", "ops") is True
    assert org_store.delete_team("acme", "ops") is False
    assert org_store.teams("acme") == {"developers": "everyone"}


def test_teams_of_different_orgs_are_separate(org_store: OrgStore) -> None:
    org_store.create_team("acme", "developers", "a")
    org_store.create_team("beta", "developers", "b")

    assert org_store.teams("acme") == {"developers": "a"}
    assert org_store.teams("beta") == {"developers": "b"}


def test_team_members_are_added_removed_and_sorted(org_store: OrgStore) -> None:
    org_store.create_org(ACME, owner="alice")
    org_store.create_team("acme", "developers", "")
    for name in ("carol", "alice", "bob"):
        org_store.add_team_member("acme", "developers", name)
    org_store.add_team_member("acme", "developers", "bob")  # twice is once

    assert org_store.team_members("acme", "developers") == ["alice", "bob", "carol"]
    assert org_store.remove_team_member("acme", "developers", "bob") is True
    assert org_store.remove_team_member("acme", "developers", "bob") is False
    assert org_store.team_members("acme", "developers") == ["alice", "carol"]


def test_team_members_do_not_leak_between_teams_with_prefix_names(org_store: OrgStore) -> None:
    org_store.create_team("acme", "dev", "")
    org_store.create_team("acme", "devops", "")
    org_store.add_team_member("acme", "dev", "alice")
    org_store.add_team_member("acme", "devops", "bob")

    assert org_store.team_members("acme", "dev") == ["alice"]
    assert org_store.team_members("acme", "devops") == ["bob"]
    assert org_store.teams("acme") == {"dev": "", "devops": ""}
    assert org_store.in_team("acme", "dev", "alice") is True
    assert org_store.in_team("acme", "dev", "bob") is False
    assert org_store.in_team("acme", "devops", "bob") is True
    assert org_store.in_team("acme", "de", "alice") is False


def test_deleting_a_team_removes_its_members(org_store: OrgStore) -> None:
    org_store.create_org(ACME, owner="alice")
    org_store.create_team("acme", "ops", "")
    org_store.create_team("acme", "developers", "")
    org_store.add_team_member("acme", "ops", "alice")
    org_store.add_team_member("acme", "developers", "alice")

    assert org_store.delete_team("acme", "ops") is True
    org_store.create_team("acme", "ops", "new")

    assert org_store.team_members("acme", "ops") == []
    assert org_store.team_members("acme", "developers") == ["alice"]
    assert org_store.members("acme") == {"alice": "owner"}


# --- grants -----------------------------------------------------------------------------------


def test_a_grant_is_given_changed_and_revoked(org_store: OrgStore) -> None:
    org_store.create_team("acme", "developers", "")

    org_store.grant("acme", "developers", "widget", "read-only")
    assert org_store.team_packages("acme", "developers") == {"widget": "read-only"}
    assert org_store.package_grants("widget") == {"acme:developers": "read-only"}

    org_store.grant("acme", "developers", "widget", "read-write")  # an upsert
    assert org_store.team_packages("acme", "developers") == {"widget": "read-write"}
    assert org_store.package_grants("widget") == {"acme:developers": "read-write"}

    assert org_store.revoke("acme", "developers", "widget") is True
    assert org_store.revoke("acme", "developers", "widget") is False
    assert org_store.team_packages("acme", "developers") == {}
    assert org_store.package_grants("widget") == {}


def test_missing_grants_read_as_empty(org_store: OrgStore) -> None:
    assert org_store.team_packages("nope", "developers") == {}
    assert org_store.package_grants("nothing") == {}
    assert org_store.revoke("nope", "developers", "nothing") is False


def test_team_packages_lists_only_that_team(org_store: OrgStore) -> None:
    # "dev" is a prefix of "devops": its packages must not leak into the other's.
    for team in ("dev", "devops", "ops"):
        org_store.create_team("acme", team, "")
    org_store.grant("acme", "dev", "a", "read-only")
    org_store.grant("acme", "dev", "b", "read-write")
    org_store.grant("acme", "devops", "c", "read-write")
    org_store.grant("other", "dev", "d", "read-only")

    assert org_store.team_packages("acme", "dev") == {"a": "read-only", "b": "read-write"}
    assert org_store.team_packages("acme", "devops") == {"c": "read-write"}
    assert org_store.team_packages("acme", "ops") == {}
    assert org_store.team_packages("other", "dev") == {"d": "read-only"}


def test_package_grants_span_teams_of_several_orgs(org_store: OrgStore) -> None:
    org_store.grant("acme", "developers", "widget", "read-write")
    org_store.grant("acme", "ops", "widget", "read-only")
    org_store.grant("beta", "developers", "widget", "read-only")
    org_store.grant("beta", "developers", "widget-extra", "read-write")  # a prefix of another

    assert org_store.package_grants("widget") == {
        "acme:developers": "read-write",
        "acme:ops": "read-only",
        "beta:developers": "read-only",
    }
    assert org_store.package_grants("widget-extra") == {"beta:developers": "read-write"}


def test_scoped_packages_are_granted_like_any_other(org_store: OrgStore) -> None:
    org_store.grant("acme", "developers", "@acme/x", "read-write")
    org_store.grant("acme", "developers", "@acme/x-y", "read-only")
    org_store.grant("beta", "ops", "@acme/x", "read-only")

    assert org_store.team_packages("acme", "developers") == {
        "@acme/x": "read-write",
        "@acme/x-y": "read-only",
    }
    assert org_store.package_grants("@acme/x") == {
        "acme:developers": "read-write",
        "beta:ops": "read-only",
    }
    assert org_store.revoke("acme", "developers", "@acme/x") is True
    assert org_store.package_grants("@acme/x") == {"beta:ops": "read-only"}
    assert org_store.package_grants("@acme/x-y") == {"acme:developers": "read-only"}


def test_deleting_a_team_removes_its_grants_both_ways(org_store: OrgStore) -> None:
    org_store.create_org(ACME, owner="alice")
    org_store.create_team("acme", "ops", "")
    org_store.create_team("acme", "developers", "")
    org_store.create_team("beta", "ops", "")
    org_store.add_team_member("acme", "ops", "alice")
    for package in ("widget", "@acme/x"):
        org_store.grant("acme", "ops", package, "read-write")
        org_store.grant("acme", "developers", package, "read-only")
        org_store.grant("beta", "ops", package, "read-only")

    assert org_store.delete_team("acme", "ops") is True

    assert org_store.team_packages("acme", "ops") == {}
    for package in ("widget", "@acme/x"):
        assert org_store.package_grants(package) == {
            "acme:developers": "read-only",
            "beta:ops": "read-only",
        }
    assert org_store.team_packages("acme", "developers") == {
        "widget": "read-only",
        "@acme/x": "read-only",
    }
    # A new team of the same name starts with nothing.
    org_store.create_team("acme", "ops", "new")
    assert org_store.team_packages("acme", "ops") == {}
    assert org_store.team_members("acme", "ops") == []
