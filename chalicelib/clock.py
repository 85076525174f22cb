"""Timestamps as npm writes them: ISO 8601 in UTC with milliseconds and a `Z`."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The time now, in UTC; read through this module (`clock.now()`) where tests must move it."""
    return datetime.now(UTC)


def now_iso() -> str:
    return iso(datetime.now(UTC))


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """A timestamp as stored (npm's `Z` form, or any ISO 8601 with an offset)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
