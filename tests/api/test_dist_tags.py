"""dist-tags: GET/PUT/DELETE /-/package/{pkg}/dist-tags[/{tag}], encoded and literal names."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, body_of
from tests.builders import encoded


@pytest.fixture(params=["foo", "@alice/foo"])
def name(request: pytest.FixtureRequest, api: Api, alice: str) -> str:
    name = str(request.param)
    for version in ("1.0.0", "2.0.0"):
        assert api.publish(name, version, token=alice).status_code == 201
    return name


def tag_paths(name: str) -> list[str]:
    base = [f"/-/package/{encoded(name)}/dist-tags"]
    return base + ([f"/-/package/{name}/dist-tags"] if "/" in name else [])


def test_list_add_move_and_remove(api: Api, alice: str, name: str) -> None:
    for base in tag_paths(name):
        assert body_of(api.call("GET", base)) == {"latest": "2.0.0"}
        assert api.call("PUT", f"{base}/stable", "1.0.0", token=alice).status_code == 201
        assert body_of(api.call("GET", base)) == {"latest": "2.0.0", "stable": "1.0.0"}
        assert body_of(api.call("GET", f"/{encoded(name)}"))["dist-tags"]["stable"] == "1.0.0"
        assert api.call("DELETE", f"{base}/stable", token=alice).status_code == 200
        assert body_of(api.call("GET", base)) == {"latest": "2.0.0"}


def test_moving_latest_changes_the_hoisted_fields_and_modified(
    api: Api, alice: str, name: str
) -> None:
    before = body_of(api.call("GET", f"/{encoded(name)}"))
    api.call("PUT", f"{tag_paths(name)[0]}/latest", "1.0.0", token=alice)
    after = body_of(api.call("GET", f"/{encoded(name)}"))
    assert after["dist-tags"]["latest"] == "1.0.0"
    assert after["time"]["modified"] >= before["time"]["modified"]
    assert after["_rev"] != before["_rev"]


def test_refusals(api: Api, alice: str, name: str) -> None:
    base = tag_paths(name)[0]
    assert api.call("DELETE", f"{base}/latest", token=alice).status_code == 403
    assert api.call("DELETE", f"{base}/nope", token=alice).status_code == 404
    assert api.call("PUT", f"{base}/beta", "9.9.9", token=alice).status_code == 404
    assert api.call("PUT", f"{base}/1.x", "1.0.0", token=alice).status_code == 400
    assert api.call("PUT", f"{base}/beta", {"v": 1}, token=alice).status_code == 400
    assert api.call("PUT", f"{base}/beta", "1.0.0").status_code == 401
    bob = api.add_user("bob")
    assert api.call("PUT", f"{base}/beta", "1.0.0", token=bob).status_code == 403


def test_unknown_package_tags_are_404(api: Api) -> None:
    assert api.call("GET", "/-/package/nope/dist-tags").status_code == 404
