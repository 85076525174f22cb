"""AdvisoryStore: security advisories by package, for npm audit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chalicelib.storage.records import Advisory


class AdvisoryStore(Protocol):
    """Security advisories by package, for `npm audit`."""

    def put_advisories(self, advisories: Sequence[Advisory]) -> None:
        """Add each advisory to its package's, replacing one with the same id."""

    def advisories_for(self, names: Sequence[str]) -> dict[str, list[Advisory]]:
        """name -> its advisories (by id), for the names that have any: batch reads."""
