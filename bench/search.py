"""Search benchmark for tarbox: numbers only, no pass/fail.

Loads every package of `../shared/data/npm-packages.tsv.gz` (about 227,000 real npm names,
descriptions and monthly downloads) into the search index of an embedded registry in a temporary
data directory (the package rows, and the entries made by the same `entry_for` a publish uses),
then runs real queries through the
search use case (`chalicelib.search.engine.search`, what `GET /-/v1/search` calls) and prints the
load time, the index's size on disk and each query's latency (median, 95th percentile, max).

Run: `make bench-search`, or `.venv/bin/python bench/search.py --help`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CATALOG = ROOT.parent / "shared" / "data" / "npm-packages.tsv.gz"
# What people type: single names, words of descriptions, several words, qualifiers.
QUERIES = (
    "react",
    "express",
    "lodash",
    "typescript",
    "http client",
    "web framework",
    "markdown parser",
    "test framework",
    "date",
    "terminal string styling",
    "websocket",
    "command line arguments",
    "promise",
    "css",
    "eslint plugin react",
    "webpack loader",
    "uuid",
    "vue component",
    "state management",
    "a",  # a stop word: the exact-name lookup alone
    "json schema validator",
    "aws sdk",
    "color",
    "not:unstable parser",
    "scope:types node",
)


def run_queries(registry: object, queries: list[str], runs: int, top: int) -> None:
    from chalicelib.search.engine import search
    from chalicelib.search.query import parse_query

    print(f"{'query':32} {'total':>7} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}  top {top}")
    medians = []
    for text in queries:
        query = parse_query({"text": text})
        times = []
        found: dict[str, object] = {}
        for _ in range(runs):
            start = time.perf_counter()
            found = search(registry, None, query)  # type: ignore[arg-type]
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        medians.append(statistics.median(times))
        names = ", ".join(o["package"]["name"] for o in found["objects"][:top])  # type: ignore[index]
        print(
            f"{text:32} {found['total']:>7} {statistics.median(times):>10.1f}"
            f" {p95:>8.1f} {times[-1]:>8.1f}  {names}"
        )
    print(f"median of the medians: {statistics.median(medians):.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=CATALOG)
    parser.add_argument("--limit", type=int, default=None, help="load only the first N rows")
    parser.add_argument("--runs", type=int, default=20, help="times each query is run")
    parser.add_argument(
        "--data-dir", type=Path, help="keep the index here, and reuse one loaded before"
    )
    parser.add_argument("queries", nargs="*", help="instead of the built-in list")
    parser.add_argument("--top", type=int, default=3, help="results shown per query")
    args = parser.parse_args()
    if not args.catalog.exists():
        print(f"no catalog at {args.catalog}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="tarbox-search-") as scratch:
        data = str(args.data_dir or scratch)
        reuse = args.data_dir is not None and (args.data_dir / "tarbox.sqlite3").exists()
        from chalicelib import wiring
        from chalicelib.settings import Settings
        from tests.search_catalog import load_catalog

        if not reuse:
            started = time.perf_counter()
            loaded = load_catalog(Path(data) / "tarbox.sqlite3", args.limit, args.catalog)
            took = time.perf_counter() - started
            size = sum(f.stat().st_size for f in Path(data).rglob("*") if f.is_file())
            print(f"loaded {loaded} packages in {took:.1f} s; data on disk {size / 1e6:.0f} MB")
        wiring.use(Settings.from_env({"TARBOX_BACKEND": "embedded", "TARBOX_DATA_DIR": data}))
        run_queries(wiring.registry(), args.queries or list(QUERIES), args.runs, args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
