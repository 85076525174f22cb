"""Shared fixtures: fake AWS credentials (moto docs), so nothing can ever reach real AWS, and
no OIDC issuer but the tests' own, so nothing reaches GitHub or GitLab either."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.oidc_issuer import Issuer, serve_issuer

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_SECURITY_TOKEN", "testing")
os.environ.setdefault("AWS_SESSION_TOKEN", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["TARBOX_OIDC_ISSUERS"] = "off"


@pytest.fixture(scope="session")
def oidc_issuer() -> Iterator[Issuer]:
    """GitHub Actions' and GitLab's issuers, played on 127.0.0.1 (tests/oidc_issuer.py)."""
    with serve_issuer() as issuer:
        yield issuer
