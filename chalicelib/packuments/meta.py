"""Top-level packument fields hoisted from the version `latest` points at (npm does the same)."""

from __future__ import annotations

from typing import Any

from chalicelib.storage.records import VersionRecord

HOISTED_FIELDS = (
    "description",
    "author",
    "bugs",
    "contributors",
    "homepage",
    "keywords",
    "license",
    "repository",
    "readmeFilename",
)
# npmjs keeps the first 64 KiB of the readme in the packument.
MAX_README_CHARS = 64 * 1024


def hoisted_meta(latest: VersionRecord) -> dict[str, Any]:
    """The package item's copy of them. Not the readme: the render takes it from the version
    item (packuments/render.py), so the package item every read fetches stays small."""
    return {k: latest.manifest[k] for k in HOISTED_FIELDS if k in latest.manifest}
