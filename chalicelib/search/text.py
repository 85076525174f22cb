"""Words, as the index and the queries both see them: lower case, letters and digits, without
the commonest English words, plural `s` dropped (so `routers` finds `router`). One function for
both sides, so whatever it does to a word it does to the query too."""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it"}
    | {"its", "of", "on", "or", "the", "this", "that", "to", "with"}
)
MAX_WORD = 40


def words(text: str) -> list[str]:
    """The distinct words of `text`, in order."""
    seen: dict[str, None] = {}
    for match in _WORD.finditer(text.lower()):
        word = match.group()
        if word in _STOP or len(word) > MAX_WORD:
            continue
        seen.setdefault(_stem(word), None)
    return list(seen)


def _stem(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word
