"""TrustStore: the CI workflows trusted to publish a package (npm trust)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chalicelib.storage.records import TrustedPublisher


class TrustStore(Protocol):
    """Trusted publishers by package."""

    def trusted_publishers(self, package: str) -> list[TrustedPublisher]:
        """The package's, oldest first."""

    def add_trusted_publishers(self, package: str, added: Sequence[TrustedPublisher]) -> None:
        """Add them to the package's."""

    def remove_trusted_publisher(self, package: str, id: str) -> bool:
        """Remove one; False when the package has none with that id."""
