"""A package's search entry: the result npm prints, the terms it is found by, and its scores.

Field weights: a word of the name counts most, then keywords, the description and the readme's
headings; a term's weight is that of the best field it appears in. `=<name>` finds the exact
name; `kw:`, `author:`, `maint:` and `scope:` terms serve the qualifiers when a query has no
words. Quality is fixed when the entry is written; popularity and maintenance are computed at
query time from the entry's downloads and date, so the formula can change without a reindex.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from chalicelib.packuments.names import scope_of
from chalicelib.search.text import words
from chalicelib.storage.records import JSON, PackageRecord, SearchEntry, VersionRecord

NAME_WEIGHT = 4.0
SCOPE_WEIGHT = 1.0
KEYWORD_WEIGHT = 3.0
DESCRIPTION_WEIGHT = 1.5
HEADING_WEIGHT = 1.0
# Popularity runs from 100 downloads a month (0) to about 3 billion (1; chalk and debug are near
# 2 billion), on a log scale, squared: as in npms.io's normalisation, a package used by everyone
# stands well clear of one used by a few.
QUIET_LOG, POPULAR_LOG = 2.0, 9.5
MAX_HEADINGS = 20
MAX_KEYWORDS = 30
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)


def entry_for(
    package: PackageRecord, latest: VersionRecord | None, downloads: int = 0
) -> SearchEntry:
    manifest: JSON = latest.manifest if latest is not None else {}
    keywords = _keywords(manifest.get("keywords", package.meta.get("keywords")))
    description = str(manifest.get("description") or package.meta.get("description") or "")
    readme = latest.readme if latest is not None else ""
    version = latest.version if latest is not None else package.dist_tags.get("latest", "")
    deprecated = bool(version and package.deprecated.get(version))
    quality = _quality(manifest, description, readme, keywords, version)
    known = popularity(downloads)
    doc = {
        "name": package.name,
        "scope": scope_of(package.name) or "unscoped",
        "version": version,
        "description": description,
        "keywords": keywords,
        "date": (latest.published if latest is not None else package.modified) or None,
        "links": _links(manifest),
        "publisher": _publisher(latest),
        "maintainers": [{"username": m.name, "email": m.email} for m in package.maintainers],
        "_quality": round(quality, 4),
        "_downloads": max(downloads, 0),
        "_author": _author(manifest.get("author")),
        "_deprecated": deprecated,
    }
    return SearchEntry(
        name=package.name,
        doc=doc,
        terms=_terms(package, keywords, description, readme, _authors(doc)),
        rank=round(0.6 * known + 0.4 * quality, 6),
        access=package.access,
        rev=package.rev,
    )


def _terms(
    package: PackageRecord,
    keywords: list[str],
    description: str,
    readme: str,
    authors: list[str],
) -> dict[str, float]:
    fields: dict[str, list[float]] = {}

    def add(found: list[str], weight: float) -> None:
        for word in found:
            fields.setdefault(word, []).append(weight)

    add(words(" ".join(_HEADING.findall(readme)[:MAX_HEADINGS])), HEADING_WEIGHT)
    add(words(description), DESCRIPTION_WEIGHT)
    add(words(" ".join(keywords)), KEYWORD_WEIGHT)
    scope = scope_of(package.name)
    bare = package.name.split("/", 1)[-1]
    add(words(scope or ""), SCOPE_WEIGHT)
    add(words(bare), NAME_WEIGHT)
    # The best field counts in full, each other field a quarter: a word in the name and the
    # keywords finds the package better than one in the name alone.
    terms = {
        word: round(max(found) + 0.25 * (sum(found) - max(found)), 4)
        for word, found in fields.items()
    }
    terms[f"={package.name}"] = NAME_WEIGHT
    terms.update({f"kw:{k.lower()}": KEYWORD_WEIGHT for k in keywords})
    terms.update({f"maint:{m.name.lower()}": 1.0 for m in package.maintainers})
    if scope:  # `scope:` names a scope; a list of every unscoped package would serve nobody
        terms[f"scope:{scope}"] = 1.0
    terms.update({f"author:{author}": 1.0 for author in authors})
    return terms


def _authors(doc: JSON) -> list[str]:
    """`author:` finds the publisher's user name, and the manifest's author written as one
    word (npmjs matches user names)."""
    found = [str(doc["publisher"].get("username") or ""), "".join(doc["_author"].split())]
    return sorted({name.lower() for name in found if name})


def _quality(
    manifest: JSON, description: str, readme: str, keywords: list[str], version: str
) -> float:
    """What npms.io's quality looked at, from what a registry knows: is it described,
    documented, linked to its source, licensed, tagged, and past 1.0.0."""
    checks = [
        (0.3, bool(description)),
        (0.2, len(readme) > 100),
        (0.15, bool(manifest.get("repository"))),
        (0.1, bool(manifest.get("license"))),
        (0.1, bool(keywords)),
        (0.15, not is_unstable(version)),
    ]
    return sum(weight for weight, ok in checks if ok)


def popularity(downloads: int) -> float:
    """0..1 from downloads a month."""
    scaled = (math.log10(1 + max(downloads, 0)) - QUIET_LOG) / (POPULAR_LOG - QUIET_LOG)
    return round(min(1.0, max(0.0, scaled)) ** 2, 4)


def maintenance(doc: JSON, now: datetime) -> float:
    """Fresh for half a year, then down to 0.1 over three years; 0 once deprecated; 0.5 when
    the date is unknown."""
    if doc.get("_deprecated"):
        return 0.0
    try:
        when = datetime.fromisoformat(str(doc.get("date")).replace("Z", "+00:00"))
    except ValueError:
        return 0.5
    days = (now - when.astimezone(UTC)).days
    if days <= 180:
        return 1.0
    return max(0.1, 1.0 - 0.9 * (days - 180) / (3 * 365))


def is_unstable(version: str) -> bool:
    return not version or version.startswith("0.") or "-" in version


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [k for k in re.split(r"[,\s]+", value) if k]
    if not isinstance(value, list):
        return []
    return [str(k) for k in value if isinstance(k, str | int)][:MAX_KEYWORDS]


def _links(manifest: JSON) -> dict[str, str]:
    links: dict[str, str] = {}
    if isinstance(manifest.get("homepage"), str):
        links["homepage"] = manifest["homepage"]
    repository = manifest.get("repository")
    url = repository.get("url") if isinstance(repository, dict) else repository
    if isinstance(url, str):
        links["repository"] = url
    bugs = manifest.get("bugs")
    bugs_url = bugs.get("url") if isinstance(bugs, dict) else bugs
    if isinstance(bugs_url, str):
        links["bugs"] = bugs_url
    return links


def _publisher(latest: VersionRecord | None) -> dict[str, str]:
    user = latest.manifest.get("_npmUser") if latest is not None else None
    if isinstance(user, dict) and user.get("name"):
        return {"username": str(user["name"]), "email": str(user.get("email") or "")}
    return {"username": latest.publisher if latest is not None else "", "email": ""}


def _author(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or "")
    if isinstance(value, str):
        return value.split("<", 1)[0].strip()
    return ""
