"""The relevance suite (tests/search/relevance.py) over the npm catalog, through the search use
case that `GET /-/v1/search` calls: by default over the sample in the repo (about 23,000 real
packages, with every one these queries read from the whole catalog, so the same results), with
`TARBOX_CATALOG=<path>` over another, such as the whole catalog (`make relevance-full`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib import wiring
from chalicelib.registry import Registry
from chalicelib.search.engine import search
from chalicelib.search.query import parse_query
from chalicelib.settings import Settings
from tests.search.relevance import RELEVANCE, check
from tests.search_catalog import SAMPLE_QUERIES, catalog_index

pytestmark = pytest.mark.xdist_group("catalog")


@pytest.fixture(scope="module")
def catalog() -> Iterator[Registry]:
    data = str(catalog_index())
    wiring.use(Settings.from_env({"TARBOX_BACKEND": "embedded", "TARBOX_DATA_DIR": data}))
    yield wiring.registry()
    wiring.use(None)


@pytest.mark.parametrize(("query", "expected", "within"), RELEVANCE)
def test_real_queries_find_what_npm_users_expect(
    catalog: Registry, query: str, expected: list[str], within: int
) -> None:
    found = search(catalog, None, parse_query({"text": query}))
    check(query, expected, within, [o["package"]["name"] for o in found["objects"]])


def test_every_result_has_what_the_npm_cli_prints(catalog: Registry) -> None:
    found = search(catalog, None, parse_query({"text": "react", "size": "250"}))
    assert len(found["objects"]) == 250
    assert found["total"] >= 250
    for result in found["objects"]:
        package = result["package"]
        assert isinstance(package["maintainers"], list)  # the CLI maps over it
        assert {"name", "version", "description", "date"} <= set(package)
        assert 0 <= result["score"]["final"] <= 1


def test_the_sample_was_made_for_these_queries() -> None:
    """The sample holds what these queries read from the whole catalog: a query added or
    changed since it was made needs it made again (tests/fixtures/catalog_sample/README.md)."""
    queries = list(dict.fromkeys(query for query, _, _ in RELEVANCE))
    made_for = SAMPLE_QUERIES.read_text(encoding="utf-8").splitlines()
    assert queries == made_for, (
        "tests/search/relevance.py's queries are not the ones the catalog sample was made for:"
        " run tests/fixtures/catalog_sample/make.py"
    )
