"""The release-age quarantine on both backends (packuments/quarantine.py): with it on, versions
younger than the setting are hidden from both documents, `latest` moves back, their manifests
answer 404 and their tarballs 403, until they are old enough; the registry's clock is moved
rather than waited for."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from chalicelib import clock, wiring
from chalicelib.clock import parse_iso
from tests.api.conftest import Api, body_of
from tests.api.test_edge import edge, public_copy  # noqa: F401 - edge: a fixture

CORGI = {"accept": "application/vnd.npm.install-v1+json"}


def published_at(api: Api, token: str, name: str, version: str) -> datetime:
    """Publish `name@version`; answers the time the registry stored for it."""
    assert api.publish(name, version, token=token).status_code == 201
    stored = wiring.registry().packages.get_version(name, version)
    assert stored is not None
    return parse_iso(stored.published)


@pytest.fixture
def moved(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Sets the registry's clock to a moment."""
    return lambda moment: monkeypatch.setattr(clock, "now", lambda: moment)


@pytest.fixture
def fresh(any_api: Api, alice: str) -> datetime:
    """lib 1.0.0, then a second later 1.1.0: when 1.1.0 was published."""
    published_at(any_api, alice, "lib", "1.0.0")
    time.sleep(1.1)
    return published_at(any_api, alice, "lib", "1.1.0")


def test_a_young_version_is_hidden_until_it_is_old_enough(
    any_api: Api, fresh: datetime, moved: Callable[[datetime], None]
) -> None:
    any_api.configure(TARBOX_QUARANTINE_HOURS="24")
    moved(fresh + timedelta(hours=24) - timedelta(milliseconds=500))

    full = any_api.call("GET", "/lib")
    document = body_of(full)
    assert list(document["versions"]) == ["1.0.0"]
    assert document["dist-tags"] == {"latest": "1.0.0"}
    assert "1.1.0" not in document["time"] and "1.0.0" in document["time"]
    corgi = body_of(any_api.call("GET", "/lib", headers=CORGI))
    assert list(corgi["versions"]) == ["1.0.0"] and corgi["dist-tags"]["latest"] == "1.0.0"
    etag = full.headers["ETag"]
    assert any_api.call("GET", "/lib", headers={"if-none-match": etag}).status_code == 304

    assert body_of(any_api.call("GET", "/-/package/lib/dist-tags")) == {"latest": "1.0.0"}
    held = any_api.call("GET", "/lib/1.1.0")
    assert held.status_code == 404 and "release-age quarantine" in body_of(held)["error"]
    assert body_of(any_api.call("GET", "/lib/latest"))["version"] == "1.0.0"
    tarball = any_api.call("GET", "/lib/-/lib-1.1.0.tgz")
    assert tarball.status_code == 403 and "quarantine until" in body_of(tarball)["error"]
    assert any_api.call("GET", "/lib/-/lib-1.0.0.tgz").status_code in (200, 302)

    moved(fresh + timedelta(hours=24, seconds=1))
    document = body_of(any_api.call("GET", "/lib"))
    assert list(document["versions"]) == ["1.0.0", "1.1.0"]
    assert document["dist-tags"]["latest"] == "1.1.0"
    assert any_api.call("GET", "/lib", headers={"if-none-match": etag}).status_code == 200
    assert body_of(any_api.call("GET", "/lib/1.1.0"))["version"] == "1.1.0"
    assert any_api.call("GET", "/lib/-/lib-1.1.0.tgz").status_code in (200, 302)


def test_a_writer_can_still_unpublish_a_held_back_version(
    any_api: Api,
    alice: str,
    fresh: datetime,
    moved: Callable[[datetime], None],
) -> None:
    """npm unpublish reads `?write=true` and sends the whole document back: a writer's copy
    holds every version, or the held-back one could not be pulled (and the others would go)."""
    any_api.configure(TARBOX_QUARANTINE_HOURS="24")
    moved(fresh + timedelta(hours=1))
    stranger = any_api.add_user("mallory")
    assert (
        "1.1.0" not in body_of(any_api.call("GET", "/lib?write=true", token=stranger))["versions"]
    )
    document = body_of(any_api.call("GET", "/lib?write=true", token=alice))
    assert list(document["versions"]) == ["1.0.0", "1.1.0"]
    del document["versions"]["1.1.0"]  # `npm unpublish lib@1.1.0`
    document["dist-tags"] = {"latest": "1.0.0"}
    assert (
        any_api.call("PUT", f"/lib/-rev/{document['_rev']}", document, token=alice).status_code
        == 201
    )

    moved(fresh + timedelta(hours=25))
    assert list(body_of(any_api.call("GET", "/lib"))["versions"]) == ["1.0.0"]


def test_orgs_and_exceptions_have_their_own_setting(
    any_api: Api, alice: str, moved: Callable[[datetime], None]
) -> None:
    published = published_at(any_api, alice, "@alice/tool", "1.0.0")
    published_at(any_api, alice, "lib", "1.0.0")
    published_at(any_api, alice, "left-pad", "1.0.0")
    any_api.configure(TARBOX_QUARANTINE_HOURS="0", TARBOX_QUARANTINE_ORGS="alice=12")
    moved(published + timedelta(hours=1))
    assert body_of(any_api.call("GET", "/@alice%2ftool"))["versions"] == {}
    assert list(body_of(any_api.call("GET", "/lib"))["versions"]) == ["1.0.0"]

    any_api.configure(
        TARBOX_QUARANTINE_HOURS="48",
        TARBOX_QUARANTINE_ORGS="",
        TARBOX_QUARANTINE_EXCEPT="left-pad,@alice/*",
    )
    assert list(body_of(any_api.call("GET", "/@alice%2ftool"))["versions"]) == ["1.0.0"]
    assert list(body_of(any_api.call("GET", "/left-pad"))["versions"]) == ["1.0.0"]
    assert body_of(any_api.call("GET", "/lib"))["versions"] == {}


@pytest.mark.usefixtures("edge")
def test_the_front_door_gets_no_copy_of_a_young_tarball(api: Api, alice: str) -> None:
    """The CDN serves public copies without asking the registry: a young version has none, so
    the CDN asks the registry, which refuses it until it is old enough."""
    api.configure(TARBOX_QUARANTINE_HOURS="24")
    published_at(api, alice, "edgy", "1.0.0")
    assert public_copy("edgy/-/edgy-1.0.0.tgz") is None
    assert api.call("GET", "/edgy/-/edgy-1.0.0.tgz").status_code == 403
