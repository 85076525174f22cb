"""`GET /-/v1/dependents/{pkg}` on both backends: who depends on a package, from the dependents
index, without naming a private dependent to anyone who may not read it."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, body_of, subscribe
from tests.builders import a_publish_body


def dependents(api: Api, path: str, token: str | None = None, status: int = 200) -> Any:
    answer = api.call("GET", f"/-/v1/dependents/{path}", token=token)
    assert answer.status_code == status, answer.body
    return body_of(answer)


def needs(name: str, *deps: str, **options: Any) -> dict[str, Any]:
    manifest = {"dependencies": {dep: "^1.0.0" for dep in deps}}
    return a_publish_body(name, manifest=manifest, **options)


def test_who_depends_on_a_package(any_api: Api, alice: str) -> None:
    bob = any_api.add_user("bob")
    subscribe(any_api, "alice")
    any_api.call("PUT", "/base", a_publish_body("base"), token=alice)
    any_api.call("PUT", "/@alice%2fbase", a_publish_body("@alice/base"), token=alice)
    for name in ("app-b", "app-a"):
        any_api.call("PUT", f"/{name}", needs(name, "base"), token=alice)
    any_api.call(
        "PUT",
        "/@alice%2fscoped-app",
        needs("@alice/scoped-app", "base", "@alice/base"),
        token=alice,
    )
    hidden = needs("@alice/hidden", "base", access="restricted")
    assert any_api.call("PUT", "/@alice%2fhidden", hidden, token=alice).status_code == 201

    assert dependents(any_api, "base") == {
        "package": "base",
        "total": 3,
        "dependents": ["@alice/scoped-app", "app-a", "app-b"],
    }
    assert dependents(any_api, "base", bob)["total"] == 3
    assert dependents(any_api, "base", alice)["dependents"] == [
        "@alice/hidden",
        "@alice/scoped-app",
        "app-a",
        "app-b",
    ]
    assert dependents(any_api, "@alice/base")["dependents"] == ["@alice/scoped-app"]
    assert dependents(any_api, "@alice%2fbase")["dependents"] == ["@alice/scoped-app"]
    page = dependents(any_api, "base?size=1&from=1")
    assert page["dependents"] == ["app-a"] and page["total"] == 3
    assert dependents(any_api, "app-a")["dependents"] == []

    # a private package's dependents: its readers only; the rest get the missing name's 404
    assert dependents(any_api, "@alice/hidden", alice)["total"] == 0
    for caller in (None, bob):
        refused = dependents(any_api, "@alice/hidden", caller, status=404)
        missing = dependents(any_api, "@alice/absent", caller, status=404)
        assert refused["error"] == missing["error"].replace("absent", "hidden")
    assert dependents(any_api, "base?size=0", status=400)["error"].startswith("size must be")
