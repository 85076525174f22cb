"""The release-age quarantine without a registry: which setting governs a package, when it can
hide anything, and what a document looks like with young versions hidden."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.packuments.quarantine import (
    Quarantine,
    newest_release,
    quarantine_for,
    quarantine_hours,
    quarantined,
)
from chalicelib.settings import Settings, SettingsError
from chalicelib.storage.records import PackageRecord

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def at(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).isoformat().replace("+00:00", "Z")


def settings(**env: str) -> Settings:
    return Settings.from_env(env)


def package(name: str = "lib", modified: str = at(1)) -> PackageRecord:
    return PackageRecord(name, 3, {"latest": "1.1.0"}, (), "public", at(100), modified)


def test_off_unless_configured_and_overridden_by_org_and_exceptions() -> None:
    assert quarantine_hours(settings(), "lib") == 0
    configured = settings(
        TARBOX_QUARANTINE_HOURS="48",
        TARBOX_QUARANTINE_ORGS="acme=12,trusted=0",
        TARBOX_QUARANTINE_EXCEPT="left-pad,@tools/*",
    )
    assert quarantine_hours(configured, "lib") == 48
    assert quarantine_hours(configured, "@acme/lib") == 12
    assert quarantine_hours(configured, "@trusted/lib") == 0
    assert quarantine_hours(configured, "left-pad") == 0
    assert quarantine_hours(configured, "@tools/build") == 0
    assert quarantine_hours(configured, "@other/lib") == 48
    assert quarantine_hours(settings(TARBOX_QUARANTINE_HOURS="0.5"), "lib") == 0.5
    for bad in (
        {"TARBOX_QUARANTINE_HOURS": "soon"},
        {"TARBOX_QUARANTINE_HOURS": "-1"},
        {"TARBOX_QUARANTINE_HOURS": "inf"},
        {"TARBOX_QUARANTINE_ORGS": "acme"},
    ):
        with pytest.raises(SettingsError):
            Settings.from_env(bad)


def test_only_a_package_changed_within_the_window_can_have_hidden_versions() -> None:
    on = settings(TARBOX_QUARANTINE_HOURS="24")
    window = Quarantine(24, NOW - timedelta(hours=24))
    assert quarantine_for(on, package(modified=at(1)), NOW) == window
    assert quarantine_for(on, package(modified=at(25)), NOW) is None
    assert quarantine_for(settings(), package(modified=at(1)), NOW) is None


def test_young_versions_are_hidden_and_latest_moves_back() -> None:
    document = {
        "name": "lib",
        "dist-tags": {"latest": "2.0.0", "next": "2.1.0-rc.1", "old": "1.0.0"},
        "versions": {
            v: {"version": v} for v in ("1.0.0", "1.1.0", "1.2.0-beta.1", "2.0.0", "2.1.0-rc.1")
        },
        "time": {
            "created": at(100),
            "modified": at(1),
            "1.0.0": at(100),
            "1.1.0": at(50),
            "1.2.0-beta.1": at(30),
            "2.0.0": at(2),
            "2.1.0-rc.1": at(1),
        },
    }
    shown, hidden = quarantined(document, Quarantine(24, NOW - timedelta(hours=24)))
    assert hidden == ["2.0.0", "2.1.0-rc.1"]
    assert list(shown["versions"]) == ["1.0.0", "1.1.0", "1.2.0-beta.1"]
    # The newest release, not the newest prerelease; tags on hidden versions go.
    assert shown["dist-tags"] == {"latest": "1.1.0", "old": "1.0.0"}
    assert "2.0.0" not in shown["time"] and shown["time"]["created"] == at(100)

    same, none = quarantined(document, Quarantine(1, NOW - timedelta(minutes=30)))
    assert none == [] and same is document


def test_the_newest_release_prefers_releases() -> None:
    assert newest_release(["1.0.0", "1.10.0", "1.9.0", "2.0.0-rc.1"]) == "1.10.0"
    assert newest_release(["2.0.0-rc.1", "2.0.0-rc.2"]) == "2.0.0-rc.2"
    assert newest_release([]) is None
