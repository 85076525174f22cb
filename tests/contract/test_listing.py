"""The listing contract behind `tarbox export`: each store lists every record of its kind, and
only those. On DynamoDB every kind shares one table (a user's partition also holds their tokens,
stars, memberships and hooks), so a listing must pick its own items out of all the others."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.ports.billing import BillingStore
from chalicelib.storage.ports.downloads import DownloadStore
from chalicelib.storage.ports.hooks import HookStore
from chalicelib.storage.ports.orgs import OrgStore
from chalicelib.storage.records import OrgRecord
from tests.contract.test_account_store import T0, token, user
from tests.contract.test_billing_store import PLAN, SUBSCRIPTION
from tests.contract.test_hook_store import delivery, hook


def _neighbours(
    accounts: AccountStore, orgs: OrgStore, billing: BillingStore, hooks: HookStore
) -> None:
    """Items that share partitions or key prefixes with the listed ones."""
    accounts.put_token(token())
    accounts.set_star("alice", "foo", starred=True)
    orgs.create_team("acme", "developers", "everyone")
    orgs.add_team_member("acme", "developers", "alice")
    orgs.grant("acme", "developers", "@acme/lib", "read-only")
    hooks.add_delivery(delivery("h1", 1))


def test_every_record_of_each_kind_is_listed_once(
    account_store: AccountStore,
    org_store: OrgStore,
    billing_store: BillingStore,
    hook_store: HookStore,
) -> None:
    assert list(account_store.all_users()) == []
    assert list(org_store.all_orgs()) == []
    assert list(hook_store.all_hooks()) == []
    alice, bob = user(), replace(user("bob", "bob@example.com"), profile={"fullname": "Bob"})
    for record in (alice, bob):
        account_store.create_user(record)
    acme, zeta = OrgRecord("acme", T0), OrgRecord("zeta", T0)
    org_store.create_org(acme, "alice")
    org_store.create_org(zeta, "bob")
    second = replace(PLAN, scope="zeta", subscription=None, customer=None, override="active")
    for plan in (PLAN, second):
        billing_store.put_plan(plan)
    other = replace(SUBSCRIPTION, id="sub_2", past_due_since=None, version=1)
    first = replace(SUBSCRIPTION, version=1)
    for subscription in (first, other):
        billing_store.put_subscription(subscription)
    hooks = [hook("h1"), hook("h2", owner="bob", kind="scope", name="zeta")]
    for record in hooks:
        hook_store.create_hook(record)
    _neighbours(account_store, org_store, billing_store, hook_store)

    assert sorted(account_store.all_users(), key=lambda u: u.name) == [alice, bob]
    assert sorted(org_store.all_orgs(), key=lambda o: o.name) == [acme, zeta]
    assert sorted(billing_store.all_plans(), key=lambda p: p.scope) == [PLAN, second]
    subscriptions = sorted(billing_store.all_subscriptions(), key=lambda s: s.id)
    assert subscriptions == [first, other]
    assert sorted(hook_store.all_hooks(), key=lambda h: h.id) == hooks


def test_a_changed_record_is_listed_as_it_is_now(
    account_store: AccountStore, billing_store: BillingStore, hook_store: HookStore
) -> None:
    account_store.create_user(user())
    moved = replace(user(), email="new@example.com", updated="2026-12-01T00:00:00.000Z")
    account_store.replace_user(moved, "")
    billing_store.put_plan(PLAN)
    billing_store.put_plan(replace(PLAN, override="canceled", version=2))
    hook_store.create_hook(hook("h1"))
    hook_store.replace_hook(replace(hook("h1"), endpoint="https://f.example/"))
    hook_store.create_hook(hook("h2"))
    hook_store.delete_hook("h2")

    assert list(account_store.all_users()) == [moved]
    assert list(billing_store.all_plans()) == [replace(PLAN, override="canceled", version=2)]
    assert list(hook_store.all_hooks()) == [replace(hook("h1"), endpoint="https://f.example/")]


def test_counts_list_so_that_adding_them_again_gives_the_same_counts(
    download_store: DownloadStore,
) -> None:
    batches = [
        {
            ("foo", "1.0.0", "2026-11-30"): 2,
            ("foo", "1.1.0", "2026-11-30"): 1,
            ("foo", "", "2026-11-30"): 5,
            ("@s/bar", "1.0.0", "2026-12-01"): 7,
            ("*", "", "2026-12-01"): 15,
        },
        {("foo", "1.0.0", "2026-11-30"): 1, ("*", "", "2026-12-01"): 1},
    ]
    for batch in batches:
        download_store.add_counts(batch)

    listed = sorted(download_store.all_counts())

    assert listed == [
        ("*", "", "2026-12-01", 16),
        ("@s/bar", "1.0.0", "2026-12-01", 7),
        ("foo", "", "2026-11-30", 5),
        ("foo", "1.0.0", "2026-11-30", 3),
        ("foo", "1.1.0", "2026-11-30", 1),
    ]
