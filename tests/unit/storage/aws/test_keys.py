"""The DynamoDB key map against the strings deployed tables hold: every key, written out.

A failure here means items already stored would no longer be found. Don't change the expected
strings to make it pass; change `chalicelib/storage/aws/keys.py` back (or migrate the tables)."""

from __future__ import annotations

import pytest

from chalicelib.storage.aws import keys


def test_package_keys() -> None:
    assert keys.package("@s/Foo") == ("PKG#@s/Foo", "PACKAGE")
    assert keys.version("foo", "1.0.0-rc.1") == ("PKG#foo", "VER#1.0.0-rc.1")
    assert (keys.package_pk("foo"), keys.VERSION_PREFIX) == ("PKG#foo", "VER#")
    assert keys.name_claim("@S/Foo") == ("NAME#@s/foo", "NAME")
    assert keys.dependency("dep", "@s/app", "2.0.0") == ("DEPS#dep", "@s/app#2.0.0")
    assert keys.dependents_pk("dep") == "DEPS#dep"
    assert keys.scope_package("acme", "@acme/w") == ("SCOPEPKG#acme", "@acme/w")
    assert keys.scope_packages_pk("acme") == "SCOPEPKG#acme"
    assert keys.maintains("alice", "foo") == ("USER#alice", "MAINTAINS#foo")
    assert keys.MAINTAINS_PREFIX == "MAINTAINS#"


def test_account_keys() -> None:
    assert keys.user("alice") == ("USER#alice", "USER")
    assert (keys.user_pk("alice"), keys.USER_PREFIX, keys.USER_SK) == (
        "USER#alice",
        "USER#",
        "USER",
    )
    assert keys.token("ab12") == ("TOKEN#ab12", "TOKEN")
    assert keys.user_token("alice", "ab12") == ("USER#alice", "TOKEN#ab12")
    assert keys.TOKEN_PREFIX == "TOKEN#"
    assert keys.star("alice", "foo") == ("USER#alice", "STAR#foo")
    assert keys.STAR_PREFIX == "STAR#"
    assert keys.scope("acme") == ("SCOPE#acme", "SCOPE")


def test_org_keys() -> None:
    assert keys.org("acme") == ("ORG#acme", "ORG")
    assert (keys.org_pk("acme"), keys.ORG_PREFIX, keys.ORG_SK) == ("ORG#acme", "ORG#", "ORG")
    assert keys.member("acme", "bob") == ("ORG#acme", "MEMBER#bob")
    assert keys.MEMBER_PREFIX == "MEMBER#"
    assert keys.org_of("bob", "acme") == ("USER#bob", "ORGOF#acme")
    assert keys.ORG_OF_PREFIX == "ORGOF#"
    assert keys.team("acme", "devs") == ("ORG#acme", "TEAM#devs")
    assert keys.TEAM_PREFIX == "TEAM#"
    assert keys.team_member("acme", "devs", "bob") == ("ORG#acme", "TEAMMEMBER#devs#bob")
    assert keys.team_members_prefix("devs") == "TEAMMEMBER#devs#"
    assert keys.TEAM_MEMBER_PREFIX == "TEAMMEMBER#"
    assert keys.team_grant("acme", "devs", "@acme/w") == ("ORG#acme", "GRANT#devs#@acme/w")
    assert keys.team_grants_prefix("devs") == "GRANT#devs#"
    assert keys.package_grant("@acme/w", "acme", "devs") == ("PKGGRANT#@acme/w", "acme:devs")
    assert keys.package_grants_pk("@acme/w") == "PKGGRANT#@acme/w"


def test_short_lived_keys() -> None:
    assert keys.ephemeral("login", "a#b") == ("EPH#login#a#b", "EPH")
    with pytest.raises(ValueError, match="invalid ephemeral kind"):
        keys.ephemeral("log#in", "b")


def test_billing_keys() -> None:
    assert keys.plan("acme") == ("PLAN#acme", "PLAN")
    assert (keys.PLAN_PREFIX, keys.PLAN_SK, keys.plan_scope("PLAN#acme")) == (
        "PLAN#",
        "PLAN",
        "acme",
    )
    assert keys.subscription("sub_1") == ("STRIPESUB#sub_1", "SUB")
    assert keys.SUBSCRIPTION_PREFIX == "STRIPESUB#"
    assert keys.subscription_id("STRIPESUB#sub_1") == "sub_1"


def test_change_log_keys() -> None:
    assert keys.log_head() == ("CHANGES", "HEAD")
    assert keys.change(42) == ("CHANGES", "SEQ#000000000042")
    assert keys.change_sk(keys.LAST_SEQ) == "SEQ#999999999999"
    assert keys.change_seq("SEQ#000000000042") == 42


def test_search_keys() -> None:
    assert keys.search_entry("foo") == ("SEARCH#foo", "ENTRY")
    assert keys.search_entry_name("SEARCH#@s/foo") == "@s/foo"
    assert keys.term_pk("react") == "TERM#react"
    assert keys.posting("react", 0.75, "foo", 3) == ("TERM#react", "025000000#foo#3")
    assert keys.posting("react", 1.0, "foo", 0) == ("TERM#react", "000000000#foo")  # revision 0
    assert keys.posting("react", 2.0, "foo", 1) == ("TERM#react", "000000000#foo#1")  # clamped
    assert keys.posting("react", -1.0, "foo", 1) == ("TERM#react", "100000000#foo#1")


def test_download_keys() -> None:
    assert keys.downloads("foo", "2024-01-02") == ("DL#foo", "2024-01-02")
    assert keys.downloads("foo", "2024-01-02", "1.0.0") == ("DL#foo", "2024-01-02#1.0.0")
    assert keys.downloads("*", "2024-01-02") == ("DL#*", "2024-01-02")  # the registry's total
    assert (keys.downloads_pk("foo"), keys.DOWNLOADS_PREFIX) == ("DL#foo", "DL#")
    assert keys.downloads_package("DL#@s/foo") == "@s/foo"
    assert keys.downloads_day("2024-01-02#1.0.0") == ("2024-01-02", "1.0.0")
    assert keys.downloads_day("2024-01-02") == ("2024-01-02", "")
    assert keys.downloads_days("2024-01-01", "2024-01-31") == ("2024-01-01", "2024-01-31~")


def test_hook_keys() -> None:
    assert keys.hook("h1") == ("HOOK#h1", "HOOK")
    assert (keys.HOOK_PREFIX, keys.HOOK_SK) == ("HOOK#", "HOOK")
    assert keys.hook_of("alice", "h1") == ("USER#alice", "HOOKOF#h1")
    assert keys.HOOK_OF_PREFIX == "HOOKOF#"
    assert keys.watch("scope", "acme", "h1") == ("WATCH#scope#acme", "h1")
    assert keys.watch_pk("package", "foo") == "WATCH#package#foo"
    assert keys.delivery("h1", "h1:000000000003:0") == ("DELIVERY#h1", "h1:000000000003:0")
    assert keys.deliveries_pk("h1") == "DELIVERY#h1"
    assert keys.queued_delivery("h1:000000000003:0") == ("HOOKQUEUE", "h1:000000000003:0")
    assert keys.HOOK_QUEUE_PK == "HOOKQUEUE"
    assert keys.hook_cursor() == ("HOOKCURSOR", "CURSOR")


def test_advisory_trust_and_stage_keys() -> None:
    assert keys.advisories("foo") == ("ADV#foo", "ADVISORIES")
    assert keys.advisories_package("ADV#@s/foo") == "@s/foo"
    assert keys.trusted_publishers("foo") == ("TRUST#foo", "TRUST")
    assert keys.staged("foo", "1.0.0") == ("STAGED#foo", "1.0.0")
    assert keys.staged_pk("foo") == "STAGED#foo"
    assert keys.staged_by_id("0b6c…") == ("STAGE#0b6c…", "STAGE")
