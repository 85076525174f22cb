"""The relevance suite: real queries over the real npm catalog, with the results npm users would
expect at the top. Each case: the query, the names expected, in this order, among the first
`within` results. Run through the search use case (tests/search/test_relevance.py) and through
the real `npm search` (tests/e2e/test_npm_search.py), over the catalog sample in the repo by
default: a query added or changed here needs the sample made again
(tests/fixtures/catalog_sample/README.md), and `make relevance-full` runs them over the whole
catalog."""

from __future__ import annotations

RELEVANCE: list[tuple[str, list[str], int]] = [
    # a package's own name finds it first
    ("react", ["react"], 1),
    ("express", ["express"], 1),
    ("lodash", ["lodash"], 1),
    ("typescript", ["typescript"], 1),
    ("uuid", ["uuid"], 1),
    # words of the name, the most used first
    ("aws sdk", ["aws-sdk"], 1),
    ("eslint plugin react", ["eslint-plugin-react-hooks", "eslint-plugin-react"], 2),
    ("lodash merge", ["lodash.merge"], 1),
    # words of the description
    ("web framework", ["express"], 1),
    ("terminal string styling", ["chalk"], 2),
    ("markdown parser", ["markdown-it"], 3),
    ("test framework", ["mocha"], 5),
    ("state management", ["zustand"], 5),
    ("json schema validator", ["ajv"], 10),
    ("date", ["date", "date-fns"], 3),
    ("websocket", ["websocket", "faye-websocket"], 3),
    # qualifiers
    ("scope:types node", ["@types/node"], 1),
    ("not:unstable parser", ["yargs-parser", "@babel/parser"], 3),
]


def check(query: str, expected: list[str], within: int, found: list[str]) -> None:
    top = found[:within]
    missing = [name for name in expected if name not in top]
    assert not missing, f"{query!r}: {missing} not in the first {within}: {top}"
    positions = [top.index(name) for name in expected]
    assert positions == sorted(positions), f"{query!r}: {expected} out of order in {top}"
