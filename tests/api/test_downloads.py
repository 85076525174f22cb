"""Download counts on both backends: tarball GETs are counted per package, version and day, and
served in api.npmjs.org's shape, for one package, several, or the whole registry; a private
package's counts only for those who may read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib import wiring
from tests.api.conftest import Api, body_of, subscribe
from tests.builders import a_publish_body

TODAY = datetime.now(UTC).date()


def downloads(api: Api, path: str, token: str | None = None, status: int = 200) -> Any:
    answer = api.call("GET", f"/downloads/{path}", token=token)
    assert answer.status_code == status, answer.body
    return body_of(answer)


def fetch(api: Api, path: str, times: int = 1, token: str | None = None) -> None:
    for _ in range(times):
        assert api.call("GET", path, token=token).status_code in (200, 302)


def published(api: Api, alice: str) -> None:
    for name, version in [("foo", "1.0.0"), ("foo", "1.1.0"), ("bar", "1.0.0")]:
        assert api.publish(name, version, token=alice).status_code == 201
    assert api.publish("@alice/lib", token=alice, access="public").status_code == 201


def test_downloads_are_counted_and_served_as_npm_does(any_api: Api, alice: str) -> None:
    published(any_api, alice)
    fetch(any_api, "/foo/-/foo-1.0.0.tgz", 2)
    fetch(any_api, "/foo/-/foo-1.1.0.tgz")
    fetch(any_api, "/@alice/lib/-/lib-1.0.0.tgz")
    assert any_api.call("HEAD", "/bar/-/bar-1.0.0.tgz").status_code in (200, 302)  # not counted
    wiring.download_counter().flush()

    today = TODAY.isoformat()
    assert downloads(any_api, "point/last-day/foo") == {
        "downloads": 3,
        "start": today,
        "end": today,
        "package": "foo",
    }
    week = downloads(any_api, "range/last-week/foo")
    assert week["start"] == (TODAY - timedelta(days=6)).isoformat() and week["end"] == today
    assert len(week["downloads"]) == 7
    assert week["downloads"][-1] == {"downloads": 3, "day": today}
    assert sum(day["downloads"] for day in week["downloads"]) == 3
    assert downloads(any_api, "point/last-month/bar")["downloads"] == 0
    assert downloads(any_api, "point/last-year")["downloads"] == 4  # the registry's total
    assert downloads(any_api, "point/last-week/@alice/lib")["downloads"] == 1
    assert downloads(any_api, "point/last-week/@alice%2flib")["package"] == "@alice/lib"
    assert downloads(any_api, f"point/{today}/foo")["downloads"] == 3
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert downloads(any_api, f"point/{yesterday}:{yesterday}/foo")["downloads"] == 0

    bulk = downloads(any_api, "point/last-week/foo,bar,absent")
    assert bulk["foo"]["downloads"] == 3 and bulk["bar"]["downloads"] == 0
    assert bulk["absent"] is None


def test_bad_periods_and_names_are_refused(any_api: Api, alice: str) -> None:
    published(any_api, alice)
    for path, words in [
        ("point/yesterday/foo", "invalid period"),
        ("point/2026-02-30/foo", "invalid period"),
        ("point/2026-12-01:2026-11-01/foo", "before start date"),
        ("point/2020-01-01:2026-01-01/foo", "at most 549 days"),
        ("point/last-week/foo,@alice%2flib", "scoped packages are not supported in bulk"),
        ("point/last-week/" + ",".join(f"p{i}" for i in range(129)), "at most 128"),
    ]:
        assert words in downloads(any_api, path, status=400)["error"], path
    missing = downloads(any_api, "point/last-week/absent", status=404)
    assert missing["error"] == "package absent not found"


def test_private_counts_only_for_readers(any_api: Api, alice: str) -> None:
    bob = any_api.add_user("bob")
    subscribe(any_api, "alice")
    secret = a_publish_body("@alice/secret", access="restricted")
    assert any_api.call("PUT", "/@alice%2fsecret", secret, token=alice).status_code == 201
    any_api.call("PUT", "/open", a_publish_body("open"), token=alice)
    fetch(any_api, "/@alice/secret/-/secret-1.0.0.tgz", 2, token=alice)
    wiring.download_counter().flush()
    assert downloads(any_api, "point/last-week/@alice/secret", alice)["downloads"] == 2
    for caller in (None, bob):
        hidden = downloads(any_api, "point/last-week/@alice/secret", caller, status=404)
        absent = downloads(any_api, "point/last-week/@alice/absent", caller, status=404)
        said = "package @alice/secret not found"
        assert hidden == {k: v.replace("absent", "secret") for k, v in absent.items()}
        assert hidden["error"] == said
        assert downloads(any_api, "range/last-week/@alice%2fsecret", caller, status=404)
    bulk = downloads(any_api, "point/last-week/open,secret")
    assert bulk == {"open": bulk["open"], "secret": None}


def test_a_package_named_downloads_keeps_its_paths(any_api: Api, alice: str) -> None:
    """The count routes take `/downloads/point|range/…` only: the package named `downloads`
    still has its tarball, its versions and its own counts."""
    assert any_api.call("PUT", "/downloads", a_publish_body("downloads"), token=alice).status_code
    fetch(any_api, "/downloads/-/downloads-1.0.0.tgz")
    assert body_of(any_api.call("GET", "/downloads/1.0.0"))["version"] == "1.0.0"
    wiring.download_counter().flush()
    assert downloads(any_api, "point/last-day/downloads")["downloads"] == 1
