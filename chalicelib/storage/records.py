"""(De)serialising records to JSON text, shared by the adapters that store documents as text."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.storage.ports import Maintainer, PackageRecord


def package_to_json(package: PackageRecord) -> str:
    return json.dumps(
        {
            "dist_tags": package.dist_tags,
            "maintainers": [{"name": m.name, "email": m.email} for m in package.maintainers],
            "access": package.access,
            "created": package.created,
            "modified": package.modified,
            "meta": package.meta,
        },
        separators=(",", ":"),
    )


def package_from_json(name: str, rev: int, text: str) -> PackageRecord:
    data: dict[str, Any] = json.loads(text)
    return PackageRecord(
        name=name,
        rev=rev,
        dist_tags=data["dist_tags"],
        maintainers=tuple(Maintainer(m["name"], m["email"]) for m in data["maintainers"]),
        access=data["access"],
        created=data["created"],
        modified=data["modified"],
        meta=data.get("meta", {}),
    )
