"""The search itself: gather candidates from the index, filter, score with the request's
weights, page. Its cost does not grow with the registry: each term reads at most its
CANDIDATES_PER_TERM best postings (one range read), and entries are read only for the best
candidates, a batch at a time, until the page is full.

Scores follow npm's response: `score.final` mixes quality, popularity and maintenance with the
request's weights (libnpmsearch sends 0.65, 0.98, 0.5); `searchScore` is text relevance times
that, and an exact name match is put first unless the query says `boost-exact:false` (npmjs
does the same with a very large searchScore).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from chalicelib.acl.guard import may_read
from chalicelib.auth.service import Actor
from chalicelib.registry import Registry
from chalicelib.search.document import is_unstable, maintenance, popularity
from chalicelib.search.query import SearchQuery
from chalicelib.storage.ports.search import SearchStore
from chalicelib.storage.records import JSON, Posting, SearchEntry

CANDIDATES_PER_TERM = 1000
ENTRIES_PER_READ = 200
EXACT_BOOST = 100_000.0


@dataclass(frozen=True)
class Hit:
    estimate: float  # relevance, as far as the postings read tell
    rank: float
    access: str = "restricted"  # as the index says: only ever trusted to hide

    @property
    def order(self) -> float:
        return self.estimate * (0.5 + self.rank)


def search(
    registry: Registry, actor: Actor | None, query: SearchQuery, now: datetime | None = None
) -> JSON:
    moment = now or datetime.now(UTC)
    hits = _hits(registry.search, query)
    ranked = sorted(hits, key=lambda name: (-hits[name].order, name))
    wanted = query.offset + query.size
    scored: list[JSON] = []
    read = 0
    while read < len(ranked) and len(scored) < wanted:
        chunk = ranked[read : read + max(ENTRIES_PER_READ, 2 * wanted)]
        read += len(chunk)
        scored += _page(registry, actor, query, chunk, moment)
    scored.sort(key=lambda found: (-found["searchScore"], found["package"]["name"]))
    # The candidates not read yet count only when public: a private one may not be counted
    # for a caller before its access was checked.
    unread = sum(1 for name in ranked[read:] if hits[name].access == "public")
    return {
        "objects": scored[query.offset : wanted],
        "total": len(scored) + unread,
        "time": format_datetime(moment, usegmt=True),
    }


def _page(
    registry: Registry, actor: Actor | None, query: SearchQuery, chunk: list[str], now: datetime
) -> list[JSON]:
    """The chunk's results. Access is judged on the packages as they are now, not on the index
    (written after each change, so it may lag one): the index can only narrow what is shown."""
    entries = registry.search.entries(chunk)
    packages = registry.packages.get_packages(chunk)
    found: list[JSON] = []
    for name in chunk:
        entry, package = entries.get(name), packages.get(name)
        if entry is None or package is None or package.tombstone is not None:
            continue
        if not _passes(entry, query):
            continue
        if query.words and relevance(query, entry) == 0 and name != query.text:
            continue  # found by a qualifier, but none of the words are in it
        if package.access == "public" or may_read(registry, actor, package):
            found.append(_scored(entry, query, now))
    return found


def _hits(index: SearchStore, query: SearchQuery) -> dict[str, Hit]:
    """Candidates, with an estimate of their relevance from the postings alone; the entries
    read later give the exact one (`relevance`). Qualifiers' postings add candidates too, so
    `scope:types node` finds @types/node even when `node` has more postings than are read."""
    if not query.words and not query.text:
        return _qualified(index, query)
    found: dict[str, dict[str, Posting]] = {}
    for word in query.words:
        for posting in index.postings(word, CANDIDATES_PER_TERM):
            found.setdefault(posting.name, {})[word] = posting
    hits = {
        name: Hit(_estimate(query, matched), first.rank, first.access)
        for name, matched in found.items()
        if (first := next(iter(matched.values())))
    }
    if query.qualified:
        for name, hit in _qualified(index, query).items():
            hits.setdefault(name, Hit(0.5, hit.rank, hit.access))
    if query.boost_exact and query.text:
        for posting in index.postings(f"={query.text}", 1):
            hits[posting.name] = Hit(EXACT_BOOST, posting.rank, posting.access)
    return hits


def _estimate(query: SearchQuery, matched: dict[str, Posting]) -> float:
    coverage = len(matched) / len(query.words)
    return sum(p.weight for p in matched.values()) * coverage * coverage


def relevance(query: SearchQuery, entry: SearchEntry) -> float:
    """How well the words find the entry: the weights of the words it has, times the square of
    the share of the words it has (a page with every word beats one with the best word)."""
    if not query.words:
        return 1.0
    weights = [entry.terms[word] for word in query.words if word in entry.terms]
    coverage = len(weights) / len(query.words)
    return sum(weights) * coverage * coverage


def _qualified(index: SearchStore, query: SearchQuery) -> dict[str, Hit]:
    """A query of qualifiers alone: the packages each kind of qualifier finds, intersected."""
    kinds = [
        [f"kw:{k}" for k in query.keywords],
        [f"author:{a}" for a in query.authors],
        [f"maint:{m}" for m in query.maintainers],
        [f"scope:{s}" for s in query.scopes],
    ]
    hits: dict[str, Hit] | None = None
    for terms in (kind for kind in kinds if kind):
        found = {
            p.name: Hit(1.0, p.rank, p.access)
            for term in terms
            for p in index.postings(term, CANDIDATES_PER_TERM)
        }
        hits = found if hits is None else {n: h for n, h in hits.items() if n in found}
    return hits or {}


def _passes(entry: SearchEntry, query: SearchQuery) -> bool:
    doc = entry.doc
    checks = [
        (query.keywords, {str(k).lower() for k in doc.get("keywords") or []}),
        (query.authors, set(_authors(doc))),
        (query.maintainers, {str(m["username"]).lower() for m in doc.get("maintainers") or []}),
        (query.scopes, {str(doc.get("scope"))}),
    ]
    if any(wanted and not set(wanted) & have for wanted, have in checks):
        return False
    facts = {
        "deprecated": bool(doc.get("_deprecated")),
        "unstable": is_unstable(str(doc.get("version") or "")),
        "insecure": False,  # no advisory database yet: nothing is known to be insecure
    }
    return all(facts[flag] == wanted for flag, wanted in query.flags.items())


def _authors(doc: JSON) -> list[str]:
    publisher = (doc.get("publisher") or {}).get("username") or ""
    author = "".join(str(doc.get("_author") or "").split())
    return [name.lower() for name in (publisher, author) if name]


def _scored(entry: SearchEntry, query: SearchQuery, now: datetime) -> JSON:
    doc = entry.doc
    detail = {
        "quality": float(doc.get("_quality") or 0.0),
        "popularity": popularity(int(doc.get("_downloads") or 0)),
        "maintenance": round(maintenance(doc, now), 4),
    }
    weights = dict(zip(detail, query.weights, strict=True))
    total = sum(weights.values()) or 1.0
    final = sum(detail[k] * weights[k] for k in detail) / total
    # Squared, so that among packages the words find about as well, the popular and
    # well-kept ones come first (npmjs weighs popularity as heavily).
    score = relevance(query, entry) * (0.05 + final) ** 2
    if query.boost_exact and doc.get("name") == query.text:
        score += EXACT_BOOST
    flags = {"unstable": True} if is_unstable(str(doc.get("version") or "")) else {}
    if doc.get("_deprecated"):
        flags["deprecated"] = True
    package = {k: v for k, v in doc.items() if not k.startswith("_")}
    return {
        "package": package,
        "score": {"final": round(final, 6), "detail": detail},
        "searchScore": round(score, 6),
        "flags": flags,
    }
