"""Advisories in OSV format (https://ossf.github.io/osv-schema/), the format of the GitHub
Advisory Database, turned into what npm's audit reads: one advisory per affected npm package,
with its vulnerable versions as a semver range.

An OSV range is a list of events in version order: `introduced` opens an affected span, `fixed`
closes it before that version, `last_affected` closes it at that version. An explicit `versions`
list names affected versions one by one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.errors import InvalidPayloadError
from chalicelib.storage.ports.advisories import AdvisoryStore
from chalicelib.storage.records import Advisory

_BATCH = 500  # advisories per write

# npm's four severities, from the GitHub Advisory Database's (and CVSS's "medium").
SEVERITIES = {
    "low": "low",
    "moderate": "moderate",
    "medium": "moderate",
    "high": "high",
    "critical": "critical",
}


def import_advisories(advisories: AdvisoryStore, path: str) -> tuple[int, int]:
    """Load the OSV documents at `path` (a file, or every .json file under a folder, as the
    GitHub Advisory Database's repository lays them out); (files read, npm advisories stored).
    A file that is not OSV is refused by name, before anything is stored."""
    root = Path(path)
    files = sorted(root.rglob("*.json")) if root.is_dir() else [root]
    found: list[Advisory] = []
    for file in files:
        try:
            found += advisories_from_osv(json.loads(file.read_text()))
        except (OSError, ValueError, InvalidPayloadError) as exc:
            raise InvalidPayloadError(f"{file}: not an OSV advisory ({exc})") from None
    for start in range(0, len(found), _BATCH):
        advisories.put_advisories(found[start : start + _BATCH])
    return len(files), len(found)


def advisories_from_osv(doc: Any) -> list[Advisory]:
    """The advisories of one OSV document on npm packages ([] when it names none)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
        raise InvalidPayloadError("An OSV advisory is a JSON object with an id")
    found = []
    for affected in _objects(doc.get("affected")):
        package = affected.get("package")
        if not isinstance(package, dict) or str(package.get("ecosystem", "")).lower() != "npm":
            continue
        if not isinstance(package.get("name"), str) or not package["name"]:
            continue
        versions = _vulnerable_versions(affected)
        if versions:
            found.append(_advisory(doc, str(package["name"]), versions))
    return found


def _advisory(doc: dict[str, Any], package: str, versions: str) -> Advisory:
    specific = doc.get("database_specific")
    specific = specific if isinstance(specific, dict) else {}
    return Advisory(
        id=str(doc["id"]),
        package=package,
        title=str(doc.get("summary") or doc["id"]),
        url=_url(doc),
        severity=SEVERITIES.get(str(specific.get("severity", "")).lower(), "moderate"),
        vulnerable_versions=versions,
        cwe=tuple(c for c in _list(specific.get("cwe_ids")) if isinstance(c, str)),
        cvss_vector=next(
            (
                str(s.get("score"))
                for s in _objects(doc.get("severity"))
                if "CVSS" in str(s.get("type"))
            ),
            None,
        ),
    )


def _url(doc: dict[str, Any]) -> str:
    for reference in _objects(doc.get("references")):
        if reference.get("type") == "ADVISORY" and isinstance(reference.get("url"), str):
            return str(reference["url"])
    return f"https://osv.dev/vulnerability/{doc['id']}"


def _vulnerable_versions(affected: dict[str, Any]) -> str:
    spans = []
    for osv_range in _objects(affected.get("ranges")):
        if osv_range.get("type") in ("SEMVER", "ECOSYSTEM"):
            spans += _spans(_objects(osv_range.get("events")))
    spans += [v for v in _list(affected.get("versions")) if isinstance(v, str)]
    return " || ".join(dict.fromkeys(spans))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _objects(value: Any) -> list[dict[str, Any]]:
    """The JSON objects of a list (anything else, in a document from a client, is skipped)."""
    return [item for item in _list(value) if isinstance(item, dict)]


def _spans(events: list[dict[str, Any]]) -> list[str]:
    spans, start = [], None
    for event in events:
        if "introduced" in event:
            start = str(event["introduced"])
        elif start is not None and "fixed" in event:
            spans.append(_span(start, f"<{event['fixed']}"))
            start = None
        elif start is not None and "last_affected" in event:
            spans.append(_span(start, f"<={event['last_affected']}"))
            start = None
    if start is not None:
        spans.append(_span(start, ""))
    return spans


def _span(introduced: str, end: str) -> str:
    low = "" if introduced == "0" else f">={introduced}"
    return " ".join(part for part in (low, end) if part) or "*"
