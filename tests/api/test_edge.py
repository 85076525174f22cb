"""The front door on AWS (infra/template.json, `RegistryDistribution`), on moto: what the registry
keeps for it (public copies of tarballs at their URL's path, invalidations after each change),
what it tells it (s-maxage on public documents only), what it takes from it (its URL from the
stack's parameter, the viewer's address), and the downloads it counts from its logs."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib import wiring
from chalicelib.hooks.worker import run_background_once
from chalicelib.storage.records import Expiring
from tests.api.conftest import Api, body_of, subscribe
from tests.builders import a_cdn_log, a_publish_body, a_tarball
from tests.edge_stack import a_front_door

BUCKET = "tarbox-api-blobs"
LOGS = "tarbox-api-edge-logs"
PARAMETER = "/tarbox-api/front-door"
SECRET = "8d7e2c1a-edge-secret"


@pytest.fixture
def edge(api: Api) -> Iterator[dict[str, str]]:
    """The stack's front door: a distribution, its parameter, its log bucket."""
    door = a_front_door(PARAMETER)
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=LOGS)
    api.configure(
        TARBOX_PUBLIC_URL=None,
        TARBOX_EDGE_PARAMETER=PARAMETER,
        TARBOX_EDGE_LOG_BUCKET=LOGS,
        TARBOX_EDGE_SECRET=SECRET,
    )
    yield door


def ok(response: Any) -> bool:
    return bool(200 <= response.status_code < 300)


def public_copy(key: str) -> bytes | None:
    s3 = boto3.client("s3", region_name="us-east-1")
    try:
        found: bytes = s3.get_object(Bucket=BUCKET, Key=f"public/{key}")["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return found


def invalidated(door: dict[str, str]) -> list[list[str]]:
    """The paths of each invalidation, oldest first."""
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    listed = cloudfront.list_invalidations(DistributionId=door["distribution"])
    batches = []
    for item in listed["InvalidationList"].get("Items", []):
        found = cloudfront.get_invalidation(DistributionId=door["distribution"], Id=item["Id"])
        batches.append(found["Invalidation"]["InvalidationBatch"]["Paths"]["Items"])
    return batches


def test_a_public_tarball_is_served_from_its_copy_at_its_url(
    api: Api, alice: str, edge: dict[str, str]
) -> None:
    tarball = a_tarball("edgy", "1.0.0")
    assert ok(api.call("PUT", "/edgy", a_publish_body("edgy", tarball=tarball), token=alice))
    document = body_of(api.call("GET", "/edgy"))
    url = document["versions"]["1.0.0"]["dist"]["tarball"]
    # npm fetches the front door's URL (from the stack's parameter), and its path is the copy's
    # key under the distribution's S3 origin path.
    assert url == f"{edge['url']}/edgy/-/edgy-1.0.0.tgz"
    assert public_copy("edgy/-/edgy-1.0.0.tgz") == tarball
    scoped = a_tarball("@alice/lib", "2.0.0")
    body = a_publish_body("@alice/lib", "2.0.0", tarball=scoped)
    assert ok(api.call("PUT", "/@alice%2flib", body, token=alice))
    assert public_copy("@alice/lib/-/lib-2.0.0.tgz") == scoped
    # Each publish drops the edge's copies of the documents, as every client spells the name.
    assert invalidated(edge) == [
        ["/edgy"],
        ["/@alice%2flib", "/@alice%2Flib", "/@alice/lib"],
    ]


def test_private_tarballs_never_get_a_copy_and_going_private_withdraws_it(
    api: Api, alice: str, edge: dict[str, str]
) -> None:
    subscribe(api, "alice")
    secret = a_publish_body("@alice/secret", access="restricted")
    assert api.call("PUT", "/@alice%2fsecret", secret, token=alice).status_code == 201
    assert public_copy("@alice/secret/-/secret-1.0.0.tgz") is None
    assert invalidated(edge) == []  # never cached at the edge: nothing to drop
    assert ok(api.call("PUT", "/@alice%2flib", a_publish_body("@alice/lib"), token=alice))
    assert public_copy("@alice/lib/-/lib-1.0.0.tgz") is not None
    closed = api.call(
        "POST", "/-/package/@alice%2flib/access", {"access": "restricted"}, token=alice
    )
    assert ok(closed), closed.body
    assert public_copy("@alice/lib/-/lib-1.0.0.tgz") is None
    assert invalidated(edge)[-1] == [
        "/@alice%2flib",
        "/@alice%2Flib",
        "/@alice/lib",
        "/@alice/lib/-/lib-1.0.0.tgz",
    ]
    # The API still serves it to its owner (a failover from the missing copy lands here).
    assert api.call("GET", "/@alice/lib/-/lib-1.0.0.tgz", token=alice).status_code == 302
    assert api.call("GET", "/@alice/lib/-/lib-1.0.0.tgz").status_code == 404


def test_a_publish_that_syncs_late_does_not_share_a_package_made_private_since(
    api: Api, alice: str, edge: dict[str, str]
) -> None:
    """A publish syncs the edge after its write; if the package was made private in between
    and that change synced first, the publish's view is stale and must not share again."""
    from chalicelib.writes.edge import sync_edge

    subscribe(api, "alice")
    assert ok(api.call("PUT", "/@alice%2flib", a_publish_body("@alice/lib"), token=alice))
    registry = wiring.registry()
    published = registry.packages.get_package("@alice/lib")  # what the publish wrote
    assert published is not None
    closed = api.call(
        "POST", "/-/package/@alice%2flib/access", {"access": "restricted"}, token=alice
    )
    assert ok(closed), closed.body
    assert public_copy("@alice/lib/-/lib-1.0.0.tgz") is None

    sync_edge(registry, published)  # the publish's sync, finishing last

    assert public_copy("@alice/lib/-/lib-1.0.0.tgz") is None


def test_an_unpublished_version_loses_its_copy(api: Api, alice: str, edge: dict[str, str]) -> None:
    for version in ("1.0.0", "1.1.0"):
        assert ok(api.call("PUT", "/gone", a_publish_body("gone", version), token=alice))
    document = body_of(api.call("GET", "/gone?write=true", token=alice))
    del document["versions"]["1.1.0"]
    document["dist-tags"] = {"latest": "1.0.0"}
    answer = api.call("PUT", f"/gone/-rev/{document['_rev']}", document, token=alice)
    assert ok(answer), answer.body
    assert public_copy("gone/-/gone-1.1.0.tgz") is None
    assert public_copy("gone/-/gone-1.0.0.tgz") is not None
    assert invalidated(edge)[-1] == ["/gone", "/gone/-/gone-1.1.0.tgz"]
    document = body_of(api.call("GET", "/gone?write=true", token=alice))
    assert ok(api.call("DELETE", f"/gone/-rev/{document['_rev']}", token=alice))
    assert public_copy("gone/-/gone-1.0.0.tgz") is None


def test_only_public_documents_read_without_a_query_may_stay_at_the_edge(
    api: Api, alice: str, edge: dict[str, str]
) -> None:
    assert ok(api.call("PUT", "/kept", a_publish_body("kept"), token=alice))
    plain = api.call("GET", "/kept")
    assert plain.headers["Cache-Control"] == "public, max-age=0, s-maxage=300, must-revalidate"
    assert "Authorization" in plain.headers["Vary"]
    # `?write=true` is read before a write: an invalidation of /kept would not reach it.
    written = api.call("GET", "/kept?write=true", token=alice)
    assert "s-maxage" not in written.headers["Cache-Control"]
    subscribe(api, "alice")
    body = a_publish_body("@alice/hidden", access="restricted")
    assert ok(api.call("PUT", "/@alice%2fhidden", body, token=alice))
    hidden = api.call("GET", "/@alice%2fhidden", token=alice)
    assert hidden.headers["Cache-Control"].startswith("private")


def test_without_a_front_door_nothing_is_kept_at_any_edge(api: Api, alice: str) -> None:
    assert ok(api.call("PUT", "/plain", a_publish_body("plain"), token=alice))
    assert "s-maxage" not in api.call("GET", "/plain").headers["Cache-Control"]
    assert public_copy("plain/-/plain-1.0.0.tgz") is None


def test_downloads_served_by_the_edge_are_counted_from_its_logs(
    api: Api, alice: str, edge: dict[str, str]
) -> None:
    assert ok(api.call("PUT", "/counted", a_publish_body("counted"), token=alice))
    body = a_publish_body("@alice/lib", "2.0.0")
    assert ok(api.call("PUT", "/@alice%2flib", body, token=alice))
    rows = [
        ("GET", "/counted/-/counted-1.0.0.tgz", "200"),
        ("GET", "/counted/-/counted-1.0.0.tgz", "200"),
        ("GET", "/@alice/lib/-/lib-2.0.0.tgz", "200"),
        ("HEAD", "/counted/-/counted-1.0.0.tgz", "200"),  # no bytes sent
        ("GET", "/counted/-/counted-9.9.9.tgz", "302"),  # the API answered: it counted that
        ("GET", "/counted", "200"),  # a packument
    ]
    log = a_cdn_log(rows)
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket=LOGS, Key="cdn/E123.2026-12-06-04.abcd.gz", Body=gzip.compress(log))
    registry = wiring.registry()
    run_background_once(registry, "")
    run_background_once(registry, "")  # the log is gone: counted once
    assert s3.list_objects_v2(Bucket=LOGS).get("KeyCount") == 0
    point = body_of(api.call("GET", "/downloads/point/2026-12-06/counted"))
    assert point["downloads"] == 2
    scoped = body_of(api.call("GET", "/downloads/point/2026-12-06/@alice/lib"))
    assert scoped["downloads"] == 1
    everything = body_of(api.call("GET", "/downloads/point/2026-12-06"))
    assert everything["downloads"] == 3


def test_the_viewers_address_is_the_one_the_front_door_saw(
    api: Api, alice: str, edge: dict[str, str]
) -> None:
    created = api.call(
        "POST",
        "/-/npm/v1/tokens",
        {"password": "correct horse", "readonly": False, "cidr_whitelist": ["10.0.0.0/8"]},
        token=alice,
    )
    token = str(body_of(created)["token"])

    def whoami(headers: dict[str, str]) -> int:
        return int(api.call("GET", "/-/whoami", token=token, headers=headers).status_code)

    # The front door appends the viewer (10.1.2.3) to what the viewer sent; chalice's test
    # gateway is the peer (127.0.0.1), as API Gateway's edge would be.
    through_door = {"x-tarbox-edge": SECRET, "x-forwarded-for": "198.51.100.7, 10.1.2.3, 127.0.0.1"}
    assert whoami(through_door) == 200
    # A viewer's own X-Forwarded-For is no address: only the entry the front door added counts.
    forged = {"x-tarbox-edge": SECRET, "x-forwarded-for": "10.9.9.9, 203.0.113.9"}
    assert whoami(forged) == 401
    # Without the front door's secret, the header is anyone's: the peer is the address.
    for secret in (None, "guess"):
        sent = {"x-forwarded-for": "10.1.2.3"} | ({"x-tarbox-edge": secret} if secret else {})
        assert whoami(sent) == 401


def test_a_log_a_round_could_not_count_is_counted_by_the_next(
    api: Api, alice: str, edge: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round that fails part way gives its logs back; logs claimed by a round that died do
    not stop the logs after them from being counted."""
    from chalicelib.downloads import edge_logs

    assert ok(api.call("PUT", "/counted", a_publish_body("counted"), token=alice))
    s3 = boto3.client("s3", region_name="us-east-1")
    log = gzip.compress(a_cdn_log([("GET", "/counted/-/counted-1.0.0.tgz", "200")]))
    keys = [f"cdn/E123.2026-12-06-{hour:02d}.abcd.gz" for hour in range(4)]
    for key in keys:
        s3.put_object(Bucket=LOGS, Key=key, Body=log)
    registry = wiring.registry()
    # Two logs claimed by a round that died before counting them, and not yet free again.
    for key in keys[:2]:
        registry.ephemeral.put_new(Expiring(edge_logs.CLAIM, key, {}, time.time() + 600))
    # A round that fails while it counts (the counts' store does not answer).
    failing = monkeypatch.context()
    with failing as patch:
        patch.setattr(registry.downloads, "add_counts", lambda counts: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            edge_logs.count_edge_downloads(registry, limit=1)

    assert edge_logs.count_edge_downloads(registry, limit=2) == 2  # past the claimed two

    listed = [item["Key"] for item in s3.list_objects_v2(Bucket=LOGS).get("Contents", [])]
    assert listed == keys[:2]
    point = body_of(api.call("GET", "/downloads/point/2026-12-06/counted"))
    assert point["downloads"] == 2


def test_fsck_withdraws_a_public_copy_of_what_is_not_public(
    api: Api, alice: str, edge: dict[str, str]
) -> None:
    from chalicelib.fsck import PUBLIC_COPY, Leftover, find_leftovers, repair

    assert ok(api.call("PUT", "/shared", a_publish_body("shared"), token=alice))
    s3 = boto3.client("s3", region_name="us-east-1")
    stray = "public/shared/-/shared-9.9.9.tgz"  # no such version: left by a crashed sync
    s3.put_object(Bucket=BUCKET, Key=stray, Body=b"stray")
    registry = wiring.registry()

    found = [leftover for leftover in find_leftovers(registry, 0) if leftover.kind == PUBLIC_COPY]
    assert found == [Leftover(PUBLIC_COPY, stray)]
    assert repair(registry, found, grace=0) == found

    assert public_copy("shared/-/shared-9.9.9.tgz") is None
    assert public_copy("shared/-/shared-1.0.0.tgz") is not None  # the live one stays
    assert invalidated(edge)[-1] == ["/shared/-/shared-9.9.9.tgz"]
