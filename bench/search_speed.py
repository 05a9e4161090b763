"""Search latency at 10k / 100k / 1M real-text papers, against plain FTS5 and rank_bm25 in the same run.

    python bench/search_speed.py [--sizes 100k,1M] [--repeat 3] [--no-baseline] [--profile QUERY]

50 queries of the kind researchers type (acronyms, everyday topic words, long natural-language
questions, quoted phrases, exclusions of common words, author filters, typos, `the`) run in-process
through bot.search.search, each `--repeat` times after a warm-up pass (a running bot has the page cache
warm), on databases built with one `paperbot import` of a bench/corpus.py archive (real sentences from
the recorded June 2026 abstracts). Baselines on the same papers, same run:
- plain FTS5: `SELECT rowid ... MATCH <OR of the query's words> ORDER BY bm25(papers_fts) LIMIT 10` on
  the same database (exclusions as NOT);
- rank_bm25: title + abstract tokenised, BM25Okapi.get_scores + top 10; 100k only (at 1M the token
  lists alone need several GB and each query takes seconds).
`--profile QUERY` prints cProfile's view of one query on the first size instead.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import re
import time

from _common import SIZES, corpus_db, percentile, table, write_results

from paperbot.bot.query import QueryError
from paperbot.bot.search import search
from paperbot.storage.db import open_db

QUERIES = [
    "moe", "kv cache", "llm", "vlm", "rag", "rlvr", "grpo", "dpo", "lora", "3dgs",
    "the", "model", "data", "learning", "model -model", "reasoning -model", "language model -large",
    "agents -benchmark", "diffusion -video", "large language models -survey",
    "efficient inference of large language models", "reinforcement learning for reasoning",
    "mixture of experts routing", "how can we make transformers faster at long context inference",
    "benchmark for evaluating multimodal large language models on video understanding",
    "small models that reason as well as large ones", "embodied agents in simulation",
    "world model for robot manipulation", "text-to-image diffusion", "video generation",
    "speculative decoding", "vision language model", "chain of thought", "reward model",
    "code generation", "mathematical reasoning", "image editing", "sparse attention",
    "quantization", "long context", "tool use agents", "3d gaussian splatting",
    '"large language model"', '"chain of thought"', '"reinforcement learning" reasoning',
    'author:"hao li"', "author:li reasoning", "reinforcment learning", "difusion transformer",
    "multimodal reasoning benchmark",
]  # fmt: skip
_WORD = re.compile(r"[^\W_]+")


def queries() -> list[str]:
    return list(QUERIES)


def _search(db: object, q: str) -> None:
    with contextlib.suppress(QueryError):  # "the": answered with a message, which is what a user sees
        search(db, q, limit=10)  # type: ignore[arg-type]


def measure(db_path: str, qs: list[str], repeat: int) -> dict[str, float]:
    db = open_db(db_path, check=False)
    for q in qs:  # warm the page cache the way a running bot has it warm
        _search(db, q)
    times, worst = [], dict.fromkeys(qs, 0.0)
    cpu = time.process_time()
    for _ in range(repeat):
        for q in qs:
            start = time.perf_counter()
            _search(db, q)
            times.append(time.perf_counter() - start)
            worst[q] = max(worst[q], times[-1])
    cpu = time.process_time() - cpu
    db.close()
    slowest = sorted(worst.items(), key=lambda kv: -kv[1])[:5]
    print("slowest: " + "; ".join(f"{q!r} {t * 1000:.0f} ms" for q, t in slowest), flush=True)
    # Other work on the machine shows in wall time, not in this process's CPU time: both are reported.
    return summary(times) | {"cpu_share": round(cpu / sum(times), 2), "load": round(os.getloadavg()[0], 1)}


def plain_expression(query: str) -> str:
    """The OR of the query's words (quoted), minus its `-exclusions`; author: filters are plain words."""
    include, exclude = [], []
    for token in query.replace('"', " ").split():
        target = exclude if token.startswith("-") else include
        target.extend(f'"{w}"' for w in _WORD.findall(token.removeprefix("author:").lower()))
    expression = " OR ".join(include) or '"the"'
    return f"({expression}) NOT ({' OR '.join(exclude)})" if exclude else expression


def plain_fts(db_path: str, qs: list[str], repeat: int) -> dict[str, float]:
    db = open_db(db_path, check=False)
    sql = "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY bm25(papers_fts) LIMIT 10"
    exprs = [plain_expression(q) for q in qs]
    for e in exprs:
        db.execute(sql, [e]).fetchall()
    times = []
    for _ in range(repeat):
        for e in exprs:
            start = time.perf_counter()
            db.execute(sql, [e]).fetchall()
            times.append(time.perf_counter() - start)
    db.close()
    return summary(times)


def summary(times: list[float]) -> dict[str, float]:
    return {f"p{p}_ms": round(percentile(times, p) * 1000, 2) for p in (50, 95, 99)} | {
        "mean_ms": round(sum(times) / len(times) * 1000, 2)
    }


def baseline(size: int, qs: list[str], repeat: int) -> dict[str, float]:
    import numpy as np
    from corpus import ensure, iter_papers
    from rank_bm25 import BM25Okapi

    docs = [_WORD.findall(f"{p['title']} {p['summary']}".lower()) for p in iter_papers(ensure(size))]
    start = time.perf_counter()
    bm25 = BM25Okapi(docs)
    built = time.perf_counter() - start
    times = []
    for _ in range(repeat):
        for q in qs:
            tokens = _WORD.findall(q.lower())
            start = time.perf_counter()
            scores = bm25.get_scores(tokens)
            np.argpartition(-scores, 10)[:10]
            times.append(time.perf_counter() - start)
    return summary(times) | {"index_build_s": round(built, 1)}


def profile(db_path: str, query: str) -> None:
    db = open_db(db_path, check=False)
    _search(db, query)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(3):
        _search(db, query)
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100k,1M")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--profile", metavar="QUERY")
    args = parser.parse_args()
    labels = args.sizes.split(",")
    if args.profile:
        profile(str(corpus_db(SIZES[labels[0]])), args.profile)
        return 0
    qs = queries()
    results: dict[str, dict[str, float]] = {}
    for label in labels:
        db = str(corpus_db(SIZES[label]))
        results[f"paperbot@{label}"] = measure(db, qs, args.repeat)
        if not args.no_baseline:
            results[f"plain FTS5@{label}"] = plain_fts(db, qs, args.repeat)
    if not args.no_baseline and "100k" in labels:
        results["rank_bm25@100k"] = baseline(SIZES["100k"], qs, args.repeat)
    keys = ["p50_ms", "p95_ms", "p99_ms", "mean_ms", "cpu_share", "load", "index_build_s"]
    rows = [[name, *(f"{r[k]:g}" if k in r else "-" for k in keys)] for name, r in results.items()]
    print(
        table(rows, ["system", "p50 ms", "p95 ms", "p99 ms", "mean ms", "cpu/wall", "load", "index build s"])
    )
    ratios = {}
    if "rank_bm25@100k" in results and "paperbot@100k" in results:
        base, ours = results["rank_bm25@100k"], results["paperbot@100k"]
        ratios = {f"speedup_{k}": round(base[k] / ours[k], 1) for k in ("p50_ms", "p95_ms", "mean_ms")}
        print("\nrank_bm25 / paperbot at 100k: " + ", ".join(f"{k} {v}x" for k, v in ratios.items()))
    path = write_results("search_speed", {"queries": qs, "results": results, "ratios": ratios})
    print(f"\nwritten {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
