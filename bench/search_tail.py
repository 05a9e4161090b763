"""Search latency tail on real-text archives: p50 / p95 / p99 of paperbot's search beside plain FTS5
`ORDER BY bm25` over the same database, same queries, same run.

    python bench/search_tail.py --db 100k=/tmp/real-100k.db --db 1M=/tmp/real-1m.db [--repeat 3]
                                [--profile QUERY]

The databases are real-text archives (sentences of the recorded June 2026 abstracts recombined, real
titles, keywords and authors) built once with `python bench/corpus.py --papers N --out DIR` (the
benchmarks issue's generator) and one `paperbot import DIR/*.json`; build them once and reuse them.
The 50 queries are the benchmarks issue's mix: acronyms, everyday words, long natural-language questions,
quoted phrases, exclusions of common words (`model -model`), author filters, typos and `the` (which now
answers "needs a topic" at once). Plain FTS5 is
`SELECT rowid FROM papers_fts WHERE papers_fts MATCH <OR of the words> ORDER BY bm25(papers_fts) LIMIT 10`.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baselines import or_expression
from search_speed import QUERIES

from paperbot.bot.query import QueryError
from paperbot.bot.search import search
from paperbot.storage.db import open_db

_WORD = re.compile(r"[^\W_]+")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def summary(times: list[float]) -> dict[str, float]:
    return {f"p{p}": round(percentile(times, p) * 1000, 1) for p in (50, 95, 99)} | {
        "mean": round(sum(times) / len(times) * 1000, 1)
    }


def run_paperbot(db_path: str, repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    db = open_db(db_path)

    def one(q: str) -> None:
        with contextlib.suppress(QueryError):  # "the": answered with a message, which is what a user sees
            search(db, q, limit=10)

    for q in QUERIES:  # a running bot has the page cache warm
        one(q)
    times, worst = [], dict.fromkeys(QUERIES, 0.0)
    for _ in range(repeat):
        for q in QUERIES:
            start = time.perf_counter()
            one(q)
            times.append(time.perf_counter() - start)
            worst[q] = max(worst[q], times[-1])
    db.close()
    return summary(times), worst


def plain_expression(query: str) -> str:
    """The OR of the query's words, minus its `-exclusions` (author: filters as plain words)."""
    include = [t for t in query.replace('"', " ").split() if not t.startswith("-")]
    exclude = [t[1:] for t in query.split() if t.startswith("-")]
    expression = or_expression(" ".join(w.removeprefix("author:") for w in include)) or '"the"'
    excluded = " OR ".join(f'"{w}"' for t in exclude for w in _WORD.findall(t.lower()))
    return f"({expression}) NOT ({excluded})" if excluded else expression


def run_plain(db_path: str, repeat: int) -> dict[str, float]:
    db = open_db(db_path)
    sql = "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY bm25(papers_fts) LIMIT 10"
    expressions = [plain_expression(q) for q in QUERIES]
    for e in expressions:
        db.execute(sql, [e]).fetchall()
    times = []
    for _ in range(repeat):
        for e in expressions:
            start = time.perf_counter()
            db.execute(sql, [e]).fetchall()
            times.append(time.perf_counter() - start)
    db.close()
    return summary(times)


def profile(db_path: str, query: str) -> None:
    db = open_db(db_path)
    search(db, query, limit=10)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(3):
        search(db, query, limit=10)
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", action="append", required=True, help="LABEL=PATH, e.g. 1M=/tmp/real-1m.db")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--profile", metavar="QUERY", help="profile one query on the first --db instead")
    args = parser.parse_args()
    dbs = dict(item.split("=", 1) for item in args.db)
    for path in dbs.values():
        if not Path(path).exists():
            print(f"missing {path}: build it with bench/corpus.py and paperbot import", file=sys.stderr)
            return 2
    if args.profile:
        profile(next(iter(dbs.values())), args.profile)
        return 0
    print(f"{'system':<22} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for label, path in dbs.items():
        ours, worst = run_paperbot(path, args.repeat)
        rows = {f"paperbot@{label}": ours}
        if not args.no_baseline:
            rows[f"plain FTS5@{label}"] = run_plain(path, args.repeat)
        for name, r in rows.items():
            print(f"{name:<22} {r['p50']:>8} {r['p95']:>8} {r['p99']:>8} {r['mean']:>8}", flush=True)
        slowest = sorted(worst.items(), key=lambda kv: -kv[1])[:5]
        print("  slowest: " + "; ".join(f"{q!r} {t * 1000:.0f} ms" for q, t in slowest), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
