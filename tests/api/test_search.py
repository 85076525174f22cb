"""`GET /-/v1/search` on both backends: npm's response shape, words of the name, keywords and
description, the qualifiers, paging, and private packages only for those who may read them."""

from __future__ import annotations

import time
from typing import Any

from tests.api.conftest import Api, body_of, subscribe


def publish(api: Api, token: str, name: str, version: str = "1.0.0", **manifest: Any) -> None:
    """Publish `name@version` with `manifest`'s fields (public unless `access=` says otherwise)."""
    access = manifest.pop("access", "public")
    answer = api.publish(name, version, token=token, manifest=manifest, access=access)
    assert answer.status_code == 201, answer.body


def found(api: Api, text: str, token: str | None = None, **params: str) -> list[str]:
    return [o["package"]["name"] for o in search(api, text, token, **params)["objects"]]


def search(api: Api, text: str, token: str | None = None, **params: str) -> Any:
    query = "&".join(f"{k}={v}" for k, v in {"text": text, **params}.items())
    answer = api.call("GET", f"/-/v1/search?{query}", token=token)
    assert answer.status_code == 200, answer.body
    return body_of(answer)


def library(api: Api, alice: str) -> None:
    publish(api, alice, "left-pad", description="String left pad", keywords=["leftpad"])
    publish(api, alice, "pad-start", description="Pads a string", keywords=["string", "pad"])
    publish(api, alice, "@alice/util", description="Utilities", keywords=["pad"])
    publish(api, alice, "zero-pad", "0.1.0", description="Zero padding for numbers")
    publish(api, alice, "unrelated", description="Nothing to see")


def test_results_in_npms_shape(any_api: Api, alice: str) -> None:
    library(any_api, alice)
    answer = search(any_api, "left-pad")
    assert set(answer) == {"objects", "total", "time"}
    first = answer["objects"][0]
    assert first["package"]["name"] == "left-pad"
    package = first["package"]
    assert package["version"] == "1.0.0"
    assert package["description"] == "String left pad"
    assert package["keywords"] == ["leftpad"]
    assert package["maintainers"] == [{"username": "alice", "email": "alice@example.com"}]
    assert package["publisher"]["username"] == "alice"
    assert package["date"].startswith("20")
    assert set(first["score"]) == {"final", "detail"}
    assert set(first["score"]["detail"]) == {"quality", "popularity", "maintenance"}
    assert first["searchScore"] >= 100_000  # the exact name comes first


def test_words_of_names_keywords_and_descriptions(any_api: Api, alice: str) -> None:
    library(any_api, alice)
    assert set(found(any_api, "pad")) == {"left-pad", "pad-start", "@alice/util", "zero-pad"}
    assert found(any_api, "pad")[0] == "pad-start"  # name and keyword beat name alone
    assert set(found(any_api, "string")) == {"left-pad", "pad-start"}
    assert found(any_api, "padding") == ["zero-pad"]  # a description word
    assert found(any_api, "PADS")[0] == "pad-start"  # lower-cased, plural dropped
    assert found(any_api, "absent vocabulary") == []


def test_qualifiers(any_api: Api, alice: str) -> None:
    library(any_api, alice)
    assert found(any_api, "keywords:string") == ["pad-start"]
    assert set(found(any_api, "keywords:leftpad,string")) == {"left-pad", "pad-start"}
    assert found(any_api, "pad keywords:pad scope:alice") == ["@alice/util"]
    assert found(any_api, "scope:alice") == ["@alice/util"]
    assert len(found(any_api, "maintainer:alice")) == 5
    assert found(any_api, "maintainer:bob") == []
    assert set(found(any_api, "author:alice pad")) == {
        "left-pad",
        "pad-start",
        "@alice/util",
        "zero-pad",
    }
    assert found(any_api, "pad is:unstable") == ["zero-pad"]
    assert "zero-pad" not in found(any_api, "pad not:unstable")
    assert found(any_api, "pad is:insecure") == []
    doc = body_of(any_api.call("GET", "/pad-start?write=true", token=alice))
    doc["versions"]["1.0.0"]["deprecated"] = "use padStart"
    assert any_api.call("PUT", "/pad-start", doc, token=alice).status_code in (200, 201)
    assert found(any_api, "pad is:deprecated") == ["pad-start"]
    assert "pad-start" not in found(any_api, "pad not:deprecated")


def test_exact_boost_and_paging(any_api: Api, alice: str) -> None:
    library(any_api, alice)
    publish(any_api, alice, "pad", description="x")
    boosted = search(any_api, "pad")["objects"][0]
    assert boosted["package"]["name"] == "pad" and boosted["searchScore"] >= 100_000
    plain = search(any_api, "pad boost-exact:false")["objects"]
    assert all(o["searchScore"] < 100_000 for o in plain)
    everything = found(any_api, "pad")
    assert found(any_api, "pad", size="2", **{"from": "1"}) == everything[1:3]
    assert search(any_api, "pad", size="1")["total"] == len(everything)


def test_the_index_follows_every_change(any_api: Api, alice: str) -> None:
    library(any_api, alice)
    publish(any_api, alice, "left-pad", "2.0.0", description="Now with right pad too")
    assert found(any_api, "right") == ["left-pad"]
    assert search(any_api, "left-pad")["objects"][0]["package"]["version"] == "2.0.0"
    rev = body_of(any_api.call("GET", "/unrelated?write=true", token=alice))["_rev"]
    assert any_api.call("DELETE", f"/unrelated/-rev/{rev}", token=alice).status_code == 200
    assert found(any_api, "nothing") == []


def test_private_packages_only_for_their_readers(any_api: Api, alice: str) -> None:
    bob = any_api.add_user("bob")
    subscribe(any_api, "alice")
    publish(any_api, alice, "@alice/secret-pad", description="pad", access="restricted")
    publish(any_api, alice, "open-pad", description="pad")
    assert set(found(any_api, "pad", alice)) == {"@alice/secret-pad", "open-pad"}
    for caller in (None, bob):
        answer = search(any_api, "pad", caller)
        assert [o["package"]["name"] for o in answer["objects"]] == ["open-pad"]
        assert "secret" not in str(answer)
        assert "@alice/secret-pad" not in found(any_api, "@alice/secret-pad", caller)
        assert found(any_api, "scope:alice", caller) == []


def test_bad_requests_are_refused(any_api: Api) -> None:
    for query, words in [
        ("", "search needs text"),
        ("?text=a&size=0", "size must be"),
        ("?text=a&size=251", "size must be"),
        ("?text=a&from=-1", "from must be"),
        ("?text=a&quality=2", "quality must be"),
        ("?text=a&popularity=x", "popularity must be"),
    ]:
        answer = any_api.call("GET", f"/-/v1/search{query}")
        assert answer.status_code == 400, query
        assert words in body_of(answer)["error"], query


def test_reindex_rebuilds_the_index_from_the_change_log(any_api: Api, alice: str) -> None:
    from chalicelib import wiring
    from chalicelib.search.indexing import reindex

    library(any_api, alice)
    registry = wiring.registry()
    rev = body_of(any_api.call("GET", "/unrelated?write=true", token=alice))["_rev"]
    assert any_api.call("DELETE", f"/unrelated/-rev/{rev}", token=alice).status_code == 200
    for name in ("left-pad", "pad-start", "@alice/util", "zero-pad"):
        package = registry.packages.get_package(name)
        assert package is not None
        registry.search.remove_entry(name, package.rev)  # as if not indexed yet
    assert found(any_api, "pad") == []
    assert reindex(registry) == 4
    assert set(found(any_api, "pad")) == {"left-pad", "pad-start", "@alice/util", "zero-pad"}
    assert found(any_api, "nothing") == []


def test_popularity_is_refreshed_once_a_day_off_the_request_path(any_api: Api, alice: str) -> None:
    """Downloads after a package was indexed reach its popularity only when it is indexed
    again: the background worker's daily pass does that, a slice per round."""
    from chalicelib import wiring
    from chalicelib.search import refresh

    library(any_api, alice)
    for _ in range(5):
        assert any_api.call("GET", "/zero-pad/-/zero-pad-0.1.0.tgz").status_code in (200, 302)
    wiring.download_counter().flush()
    registry = wiring.registry()
    now = [time.time()]  # the store's own clock judges expiry: stay near it

    def downloads() -> int:
        """What the entry's popularity is computed from (0 below 100 a month)."""
        return int(registry.search.entries(["zero-pad"])["zero-pad"].doc["_downloads"])

    stale = downloads()
    assert refresh.refresh_slice(registry, lambda: now[0]) == 5  # the whole log: one slice
    fresh = downloads()
    assert refresh.refresh_slice(registry, lambda: now[0]) == 0  # the pass is done
    now[0] += 24 * 3600 - 1
    assert refresh.refresh_slice(registry, lambda: now[0]) == 0  # not a day yet
    now[0] += 2
    assert refresh.refresh_slice(registry, lambda: now[0]) == 5  # the next day's pass

    assert (stale, fresh) == (0, 5)


def test_a_lagging_index_never_shows_a_private_package(any_api: Api, alice: str) -> None:
    """The index is written after each change and may lag one: search checks the package."""
    from dataclasses import replace

    from chalicelib import wiring

    subscribe(any_api, "alice")
    publish(any_api, alice, "@alice/lagging", description="lagging pad")
    registry = wiring.registry()
    public_entry = registry.search.entries(["@alice/lagging"])["@alice/lagging"]
    made_private = any_api.call(
        "POST", "/-/package/@alice%2flagging/access", {"access": "restricted"}, token=alice
    )
    assert made_private.status_code == 200
    registry.search.put_entries([replace(public_entry, access="public")])  # as if it lagged
    assert found(any_api, "lagging") == []
    assert search(any_api, "lagging")["total"] == 0
    assert found(any_api, "lagging", alice) == ["@alice/lagging"]


def test_indexing_that_finishes_late_does_not_bring_back_an_older_version(
    any_api: Api, alice: str
) -> None:
    """Each write indexes the package after it commits; when the indexing of an earlier write
    finishes last, the index keeps the later one (the attack run saw `latest` go back)."""
    from chalicelib import wiring
    from chalicelib.search.indexing import index_package

    registry = wiring.registry()
    publish(any_api, alice, "late-pad", "1.0.0", description="first words")
    before = registry.packages.get_package("late-pad")
    assert before is not None
    publish(any_api, alice, "late-pad", "1.0.1", description="second words")

    index_package(registry, before)  # the first publish's indexing, finishing now

    [hit] = search(any_api, "late-pad")["objects"]
    assert (hit["package"]["version"], hit["package"]["description"]) == ("1.0.1", "second words")
    assert found(any_api, "first") == []
