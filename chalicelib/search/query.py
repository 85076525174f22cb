"""A search request, parsed: the words, npm's qualifiers, paging and the score's weights.

Qualifiers as npmjs documents them (REGISTRY-API.md "search"): `keywords:a,b` (any of),
`author:`, `maintainer:`, `scope:`, `is:deprecated`, `not:deprecated`, `is:unstable`,
`not:unstable` (unstable: a version below 1.0.0), `is:insecure`, `not:insecure`,
`boost-exact:false`. A `word:value` that is no qualifier is searched as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from chalicelib.errors import InvalidQueryError
from chalicelib.numbers import is_whole_number
from chalicelib.search.text import words

MAX_SIZE = 250  # npmjs's limit
DEFAULT_SIZE = 20
# libnpmsearch's defaults: the weights npm sends when none are asked for.
DEFAULT_WEIGHTS = (0.65, 0.98, 0.5)
_FLAGS = {"deprecated", "unstable", "insecure"}


@dataclass(frozen=True)
class SearchQuery:
    words: tuple[str, ...] = ()
    text: str = ""  # the free text as typed, lower case: what an exact name match compares
    keywords: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    maintainers: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    flags: dict[str, bool] = field(default_factory=dict)  # is:x -> True, not:x -> False
    boost_exact: bool = True
    size: int = DEFAULT_SIZE
    offset: int = 0
    weights: tuple[float, float, float] = DEFAULT_WEIGHTS

    @property
    def qualified(self) -> bool:
        return bool(self.keywords or self.authors or self.maintainers or self.scopes)


def parse_query(params: Mapping[str, str]) -> SearchQuery:
    text = params.get("text", "").strip().lower()
    free: list[str] = []
    found: dict[str, list[str]] = {"keywords": [], "author": [], "maintainer": [], "scope": []}
    flags: dict[str, bool] = {}
    boost = True
    for part in text.split():
        key, sep, value = part.partition(":")
        if sep and key in found and value:
            found[key] += [v.lstrip("@") for v in value.replace("+", ",").split(",") if v]
        elif sep and key in ("is", "not") and value in _FLAGS:
            flags[value] = key == "is"
        elif sep and key == "boost-exact":
            boost = value != "false"
        else:
            free.append(part)
    query = SearchQuery(
        words=tuple(words(" ".join(free))),
        text=" ".join(free),
        keywords=tuple(found["keywords"]),
        authors=tuple(found["author"]),
        maintainers=tuple(found["maintainer"]),
        scopes=tuple(found["scope"]),
        flags=flags,
        boost_exact=boost,
        size=_whole(params, "size", DEFAULT_SIZE, 1, MAX_SIZE),
        offset=_whole(params, "from", 0, 0, 10_000),
        weights=(
            _weight(params, "quality", DEFAULT_WEIGHTS[0]),
            _weight(params, "popularity", DEFAULT_WEIGHTS[1]),
            _weight(params, "maintenance", DEFAULT_WEIGHTS[2]),
        ),
    )
    if not query.words and not query.qualified and not query.text:
        raise InvalidQueryError("search needs text: GET /-/v1/search?text=…")
    return query


def _whole(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    if not is_whole_number(value) or not low <= int(value) <= high:
        raise InvalidQueryError(f"{name} must be a whole number from {low} to {high}")
    return int(value)


def _weight(params: Mapping[str, str], name: str, default: float) -> float:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        weight = float(value)
    except ValueError:
        raise InvalidQueryError(f"{name} must be a number from 0 to 1") from None
    if not 0 <= weight <= 1:
        raise InvalidQueryError(f"{name} must be a number from 0 to 1")
    return weight
