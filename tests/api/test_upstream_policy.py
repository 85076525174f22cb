"""The read-through cache's policy, on both backends: the operator's allow and deny lists, and
the release-age quarantine over what comes from an upstream, as over what is published here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from chalicelib import clock
from tests.api.conftest import Api, body_of
from tests.upstream_standin import StandIn, standin_registry


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with standin_registry() as upstream:
        yield upstream


def configure(api: Api, standin: StandIn, **settings: str) -> None:
    """Every name read through `standin`, and these settings (named without `TARBOX_`)."""
    named = {f"TARBOX_{key}": value for key, value in settings.items()}
    api.configure(TARBOX_UPSTREAMS=f"*={standin.url}", **named)


def test_a_denied_name_is_never_fetched(any_api: Api, standin: StandIn) -> None:
    standin.publish("evil-lib", "1.0.0")
    standin.publish("fine-lib", "1.0.0")
    configure(any_api, standin, UPSTREAM_DENY="evil-*, @bad/*")
    refused = any_api.call("GET", "/evil-lib")
    assert refused.status_code == 404
    assert "upstream policy does not fetch it" in body_of(refused)["error"]
    assert any_api.call("GET", "/evil-lib/-/evil-lib-1.0.0.tgz").status_code == 404
    assert any_api.call("GET", "/fine-lib").status_code == 200
    assert standin.asked["/evil-lib"] == 0 and standin.asked["/fine-lib"] == 1


def test_an_allow_list_fetches_only_what_it_names(any_api: Api, standin: StandIn) -> None:
    for name in ("left-pad", "@types/node", "other"):
        standin.publish(name, "1.0.0")
    configure(any_api, standin, UPSTREAM_ALLOW="left-pad,@types/*")
    assert any_api.call("GET", "/left-pad").status_code == 200
    assert any_api.call("GET", "/@types%2fnode").status_code == 200
    assert any_api.call("GET", "/other").status_code == 404
    assert standin.asked["/other"] == 0


def test_the_quarantine_holds_back_young_upstream_versions(
    any_api: Api, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    young = clock.iso(clock.now() - timedelta(hours=1))
    standin.publish("fresh-lib", "1.0.0")
    standin.publish("fresh-lib", "1.1.0", young)
    configure(any_api, standin, QUARANTINE_HOURS="24")

    for accept in ("application/json", "application/vnd.npm.install-v1+json"):
        document = any_api.call("GET", "/fresh-lib", headers={"Accept": accept})
        assert document.status_code == 200
        shown = body_of(document)
        assert list(shown["versions"]) == ["1.0.0"]
        assert shown["dist-tags"] == {"latest": "1.0.0"}
        assert "-q" in document.headers["ETag"]
    assert any_api.call("GET", "/fresh-lib/1.1.0").status_code == 404
    assert body_of(any_api.call("GET", "/fresh-lib/latest"))["version"] == "1.0.0"
    held = any_api.call("GET", "/fresh-lib/-/fresh-lib-1.1.0.tgz")
    assert held.status_code == 403 and "release-age quarantine until" in body_of(held)["error"]
    assert any_api.call("GET", "/fresh-lib/-/fresh-lib-1.0.0.tgz").status_code in (200, 302)
    assert standin.asked["/fresh-lib/-/fresh-lib-1.1.0.tgz"] == 0

    # A day later it is old enough, from the very same copy kept.
    monkeypatch.setattr(clock, "now", lambda: clock.parse_iso(young) + timedelta(hours=25))
    shown = body_of(any_api.call("GET", "/fresh-lib"))
    assert list(shown["versions"]) == ["1.0.0", "1.1.0"]
    assert shown["dist-tags"] == {"latest": "1.1.0"}
    assert any_api.call("GET", "/fresh-lib/-/fresh-lib-1.1.0.tgz").status_code in (200, 302)


def test_the_quarantine_spares_what_it_excepts(any_api: Api, standin: StandIn) -> None:
    standin.publish("trusted-lib", "1.0.0", clock.iso(clock.now()))
    configure(any_api, standin, QUARANTINE_HOURS="24", QUARANTINE_EXCEPT="trusted-*")
    shown = body_of(any_api.call("GET", "/trusted-lib"))
    assert list(shown["versions"]) == ["1.0.0"]


def test_a_pinned_version_stays_when_the_upstream_removes_it(
    any_api: Api,
    standin: StandIn,
    capsys: pytest.CaptureFixture[str],
) -> None:
    standin.publish("pinned-lib", "1.0.0")
    standin.publish("pinned-lib", "1.1.0")
    configure(any_api, standin, UPSTREAM_TTL="0")  # every read revalidates
    assert list(body_of(any_api.call("GET", "/pinned-lib"))["versions"]) == ["1.0.0", "1.1.0"]
    capsys.readouterr()
    assert any_api.tarbox("cache", "pin", "pinned-lib@1.1.0") == 0  # its tarball is fetched now
    assert capsys.readouterr().out.strip() == "pinned pinned-lib@1.1.0"
    again = any_api.call("GET", "/pinned-lib")  # unchanged upstream: a 304 keeps the pin
    assert again.headers["X-Tarbox-Cache"] == "revalidated"
    assert any_api.tarbox("cache", "pin", "pinned-lib@9.9.9") == 1  # the copy kept has none
    assert any_api.tarbox("cache", "pin", "never-fetched@1.0.0") == 1
    tarball = "/pinned-lib/-/pinned-lib-1.1.0.tgz"

    standin.unpublish("pinned-lib", "1.0.0")
    standin.unpublish("pinned-lib", "1.1.0")  # gone there, pinned here...
    standin.publish("pinned-lib", "1.2.0")
    shown = body_of(any_api.call("GET", "/pinned-lib"))
    assert sorted(shown["versions"]) == ["1.1.0", "1.2.0"]  # ...and 1.0.0 followed the upstream
    assert shown["dist-tags"] == {"latest": "1.2.0"}  # the upstream's own latest
    assert any_api.call("GET", tarball).status_code in (200, 302)
    assert any_api.call("GET", "/pinned-lib/-/pinned-lib-1.0.0.tgz").status_code == 404
    assert standin.asked[tarball] == 1

    standin.unpublish("pinned-lib")  # the whole package goes upstream
    shown = body_of(any_api.call("GET", "/pinned-lib"))
    assert list(shown["versions"]) == ["1.1.0"] and shown["dist-tags"] == {"latest": "1.1.0"}
    assert any_api.call("GET", tarball).status_code in (200, 302)
    capsys.readouterr()
    assert any_api.tarbox("cache", "ls") == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith("pinned-lib\t") and listed[0].endswith("\tpinned 1.1.0")

    assert any_api.tarbox("cache", "unpin", "pinned-lib@1.1.0") == 0
    assert any_api.call("GET", "/pinned-lib").status_code == 404  # gone, as upstream
    assert any_api.call("GET", tarball).status_code == 404


def test_unpinning_what_the_upstream_removed_removes_it_at_once(
    any_api: Api, standin: StandIn
) -> None:
    standin.publish("gone-lib", "1.0.0")
    configure(any_api, standin, UPSTREAM_TTL="0")
    assert any_api.call("GET", "/gone-lib").status_code == 200
    assert any_api.tarbox("cache", "pin", "gone-lib@1.0.0") == 0
    standin.unpublish("gone-lib")
    assert list(body_of(any_api.call("GET", "/gone-lib"))["versions"]) == ["1.0.0"]
    configure(any_api, standin, UPSTREAM_TTL="3600")  # no revalidation from now on
    assert any_api.tarbox("cache", "unpin", "gone-lib@1.0.0") == 0
    assert any_api.call("GET", "/gone-lib").status_code == 404
    assert any_api.call("GET", "/gone-lib/-/gone-lib-1.0.0.tgz").status_code == 404


def test_a_denied_name_is_refused_on_every_route_even_when_kept(
    any_api: Api, standin: StandIn
) -> None:
    standin.publish("kept-lib", "1.0.0")
    configure(any_api, standin)
    assert any_api.call("GET", "/kept-lib").status_code == 200
    configure(any_api, standin, UPSTREAM_DENY="kept-lib")
    for path in (
        "/kept-lib",
        "/kept-lib/1.0.0",
        "/kept-lib/latest",
        "/kept-lib/-/kept-lib-1.0.0.tgz",
    ):
        assert any_api.call("GET", path).status_code == 404, path
