"""Servers for the end-to-end tests: `tarbox serve` on the embedded backend, and on the AWS
backend pointed at moto's server mode. Every scenario runs against both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import (
    WEBHOOK_SECRET,
    Registry,
    Workspace,
    add_user,
    tarbox_on,
    unique,
)
from tests.oidc_issuer import Issuer

# Small, so the size-limit scenario needs only a small tarball.
E2E_MAX_TARBALL_BYTES = 1024 * 1024


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", params=["embedded", "aws"])
def registry(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, oidc_issuer: Issuer
) -> Iterator[Registry]:
    workdir = tmp_path_factory.mktemp(f"tarbox-{request.param}")
    env = {
        "TARBOX_MAX_TARBALL_BYTES": str(E2E_MAX_TARBALL_BYTES),
        # Every version is "old" at once: unpublish then depends on the dependents rule alone.
        "TARBOX_UNPUBLISH_WINDOW_HOURS": "0",
        # The tests play the payment provider, signing its webhooks with this secret.
        "TARBOX_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        # Download counts are stored every second, not every 30: the tests wait for them.
        "TARBOX_DOWNLOAD_FLUSH_SECONDS": "1",
        # A failed hook delivery is tried again after a second, not ten.
        "TARBOX_HOOK_RETRY_SECONDS": "1",
        # The hook endpoints are test receivers on 127.0.0.1 (standing in for public hosts).
        "TARBOX_HOOK_PRIVATE_ENDPOINTS": "on",
        # Trusted publishing trusts the tests' GitHub Actions and GitLab (tests/oidc_issuer.py).
        "TARBOX_OIDC_ISSUERS": oidc_issuer.setting(),
    }
    with tarbox_on(workdir, request.param, env) as server:
        yield server


@pytest.fixture
def user(registry: Registry) -> tuple[str, str]:
    """A fresh account: (name, token)."""
    name = unique("user")
    return name, add_user(registry, name)


@pytest.fixture
def workspace(tmp_path: Path, registry: Registry, user: tuple[str, str]) -> Workspace:
    """A machine logged in as `user`."""
    return Workspace(tmp_path / "alice", registry, token=user[1])


@pytest.fixture
def stranger(tmp_path: Path, registry: Registry) -> Workspace:
    """Another machine, logged in as someone else."""
    name = unique("other")
    return Workspace(tmp_path / "stranger", registry, token=add_user(registry, name))


@pytest.fixture
def anonymous(tmp_path: Path, registry: Registry) -> Workspace:
    """A machine with no credentials (installs only)."""
    return Workspace(tmp_path / "anon", registry)
