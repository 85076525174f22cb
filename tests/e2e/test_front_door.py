"""The real npm, pnpm and yarn through the registry's front door on AWS: `tarbox serve` on the AWS
backend (moto), behind a stand-in for the CloudFront distribution the template makes
(`tests/e2e/front_door.py`). A public tarball comes from its public copy without reaching the
registry, a new version is installable the moment it is published although the edge keeps
packuments, a private package still goes through the registry's access check, a package made
private stops being served at once, and the downloads the edge served are counted."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.front_door import FrontDoor, front_door
from tests.e2e.harness import (
    AWS_ENV,
    Registry,
    Workspace,
    a_library,
    add_user,
    moto_server,
    subscribe,
    tarbox_server,
    unique,
)
from tests.e2e.test_clients import Pnpm, Yarn

PARAMETER = "/tarbox-e2e/front-door"
SECRET = "e2e-front-door-secret"


@pytest.fixture
def door(tmp_path: Path) -> Iterator[FrontDoor]:
    with moto_server(tmp_path) as endpoint:
        stand_in = FrontDoor(endpoint, AWS_ENV["TARBOX_BUCKET_NAME"], "tarbox-e2e-logs", SECRET)
        with front_door(stand_in) as door:
            door.register(PARAMETER)
            env = {
                **AWS_ENV,
                "TARBOX_AWS_ENDPOINT_URL": endpoint,
                "TARBOX_EDGE_PARAMETER": PARAMETER,
                "TARBOX_EDGE_SECRET": SECRET,
                "TARBOX_EDGE_LOG_BUCKET": door.log_bucket,
                "TARBOX_STRIPE_WEBHOOK_SECRET": "whsec_tarbox_e2e",
                "TARBOX_DOWNLOAD_FLUSH_SECONDS": "1",
            }
            with tarbox_server(tmp_path, env) as api:
                door.api = api.url.rstrip("/")
                yield door


def installed(machine: Workspace, name: str, spec: str, project: str) -> str:
    app = machine.project(project, {"name": project, "version": "1.0.0"})
    machine.run("npm", "install", f"{name}@{spec}", cwd=app).ok()
    script = f"console.log(require({json.dumps(name)}))"
    return machine.run("node", "-e", script, cwd=app).ok().out.strip()


def test_npm_installs_through_the_front_door(tmp_path: Path, door: FrontDoor) -> None:
    registry = Registry(door.url + "/", "aws", tmp_path / "tarbox.log")
    owner = unique("owner")
    publisher = Workspace(tmp_path / "owner", registry, token=add_user(registry, owner))
    anyone = Workspace(tmp_path / "anyone", registry)  # an install in CI: no token
    lib = unique("edgy")

    publisher.run("npm", "publish", cwd=a_library(publisher.root, lib)).ok()
    assert installed(anyone, lib, "1.0.0", "first") == f"{lib}@1.0.0"
    tarball = f"/{lib}/-/{lib}-1.0.0.tgz"
    # The tarball came from its public copy: the registry never saw the request.
    assert door.seen.sources(tarball) == ["copy"]
    # The packument is kept at the edge: a second install's read stops there (npm revalidates
    # its own copy, and the edge answers). Its tarball is in npm's cache by now; another client
    # gets it from the edge's copy.
    assert installed(anyone, lib, "1.0.0", "second") == f"{lib}@1.0.0"
    assert "edge" in door.seen.sources(f"/{lib}")
    assert requests.get(door.url + tarball, timeout=30).status_code == 200
    assert door.seen.sources(tarball) == ["copy", "edge"]

    # A new version is there at once: the publish invalidated the edge's copy.
    publisher.run("npm", "publish", cwd=a_library(publisher.root, lib, "1.1.0")).ok()
    assert installed(anyone, lib, "1.1.0", "third") == f"{lib}@1.1.0"
    # pnpm and yarn too, each on a machine of its own; the edge serves their tarballs.
    for client in (Pnpm(), Yarn()):
        machine = Workspace(tmp_path / client.name, registry)
        client.add(machine, client.setup(machine, "app"), f"{lib}@1.1.0").ok()
    newer = door.seen.sources(f"/{lib}/-/{lib}-1.1.0.tgz")
    assert len(newer) == 3 and "api" not in newer

    # A private package: no public copy, so the edge asks the registry, which checks the token.
    scope = owner
    secret = f"@{scope}/secret"
    subscribe(registry, scope)
    publisher.run("npm", "publish", cwd=a_library(publisher.root, secret)).ok()
    # (on another machine: `npm publish` left the tarball in this one's cache)
    elsewhere = Workspace(tmp_path / "owner-elsewhere", registry, token=publisher.token)
    assert installed(elsewhere, secret, "1.0.0", "private") == f"{secret}@1.0.0"
    private_tarball = f"/{secret}/-/secret-1.0.0.tgz"
    assert door.seen.sources(private_tarball) == ["api"]
    assert requests.get(door.url + private_tarball, timeout=30).status_code == 404

    # A public package made private stops being served by the edge at once.
    shared = f"@{scope}/shared"
    publish = ["npm", "publish", "--access", "public"]
    publisher.run(*publish, cwd=a_library(publisher.root, shared)).ok()
    shared_tarball = f"{door.url}/{shared}/-/shared-1.0.0.tgz"
    assert requests.get(shared_tarball, timeout=30).status_code == 200
    publisher.run("npm", "access", "set", "status=private", shared).ok()
    assert requests.get(shared_tarball, timeout=30).status_code == 404
    assert anyone.run("npm", "view", shared, "version").code != 0

    # The downloads the edge served are counted from its logs (the registry saw none of them).
    door.flush_logs()
    deadline = time.monotonic() + 60
    count = 0
    while time.monotonic() < deadline:
        point = requests.get(f"{door.url}/downloads/point/last-day/{lib}", timeout=30).json()
        count = point.get("downloads", 0)
        if count >= 5:
            break
        time.sleep(1)
    assert count == 5  # 1.0.0 twice, 1.1.0 by npm, pnpm and yarn: all served by the edge
