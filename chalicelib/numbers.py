"""Reading numbers from requests."""

from __future__ import annotations


def is_whole_number(text: str) -> bool:
    """ASCII digits only: `"²".isdigit()` is True, and int() refuses it (a 500, not a 400)."""
    return text.isascii() and text.isdigit()
