"""Top-level packument fields hoisted from the version `latest` points at (npm does the same)."""

from __future__ import annotations

from typing import Any

from chalicelib.storage.ports import VersionRecord

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
    meta = {k: latest.manifest[k] for k in HOISTED_FIELDS if k in latest.manifest}
    meta["readme"] = latest.readme[:MAX_README_CHARS]
    return meta
