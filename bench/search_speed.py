"""Search latency at 10k / 100k / 1M papers, against rank_bm25 (BM25Okapi) over the same 100k in the same run.

    python bench/search_speed.py [--sizes 10k,100k,1M] [--repeat 3]

50 topic queries (words, acronyms, phrases, exclusions, author filters) run in-process through
bot.search.search on databases built with `paperbot import` from bench/corpus.py. The baseline tokenises
title + abstract of the same 100k papers and scores each query with BM25Okapi.get_scores + top 10.
"""

from __future__ import annotations

import argparse
import re
import time

from _common import SIZES, corpus_db, percentile, table, write_results
from corpus import TOPICS

from paperbot.bot.search import search
from paperbot.storage.db import open_db

EXTRA = [
    "ka", "mi", "zen", "lona", "quva", "to bel", "fisel mitrava", '"key value cache"', "moe -survey",
    "llm -ka", 'author:"tri dao" moe', "author:hopper", "mixture-of-experts routing", "kv cache eviction",
    "text-to-image diffusion", "rlhf reward model", "ssm long context", "reinforcment learning",
    "sparse autoencoders", "graph neural networks",
]  # fmt: skip


def queries() -> list[str]:
    topical = [phrase for phrase, _ in TOPICS[:15]] + [acr.lower() for _, acr in TOPICS if acr][:15]
    return (topical + EXTRA)[:50]


def measure(db_path: str, qs: list[str], repeat: int) -> dict[str, float]:
    db = open_db(db_path)
    for q in qs:  # warm the page cache the way a running bot has it warm
        search(db, q, limit=10)
    times = []
    for _ in range(repeat):
        for q in qs:
            start = time.perf_counter()
            search(db, q, limit=10)
            times.append(time.perf_counter() - start)
    db.close()
    return {f"p{p}_ms": round(percentile(times, p) * 1000, 2) for p in (50, 95, 99)} | {
        "mean_ms": round(sum(times) / len(times) * 1000, 2)
    }


def baseline(size: int, qs: list[str], repeat: int) -> dict[str, float]:
    import json

    import numpy as np
    from corpus import ensure
    from rank_bm25 import BM25Okapi

    word = re.compile(r"[^\W_]+")
    docs = []
    with ensure(size).open() as handle:
        for line in handle:
            paper = json.loads(line)
            docs.append(word.findall(f"{paper['title']} {paper['summary']}".lower()))
    start = time.perf_counter()
    bm25 = BM25Okapi(docs)
    built = time.perf_counter() - start
    times = []
    for _ in range(repeat):
        for q in qs:
            tokens = word.findall(q.lower())
            start = time.perf_counter()
            scores = bm25.get_scores(tokens)
            np.argpartition(-scores, 10)[:10]
            times.append(time.perf_counter() - start)
    return {f"p{p}_ms": round(percentile(times, p) * 1000, 2) for p in (50, 95, 99)} | {
        "mean_ms": round(sum(times) / len(times) * 1000, 2),
        "index_build_s": round(built, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10k,100k,1M")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    qs = queries()
    results: dict[str, dict[str, float]] = {}
    for label in args.sizes.split(","):
        results[f"paperbot@{label}"] = measure(str(corpus_db(SIZES[label])), qs, args.repeat)
    if not args.no_baseline:
        results["rank_bm25@100k"] = baseline(SIZES["100k"], qs, args.repeat)
    keys = ["p50_ms", "p95_ms", "p99_ms", "mean_ms", "index_build_s"]
    rows = [[name, *(f"{r[k]:g}" if k in r else "-" for k in keys)] for name, r in results.items()]
    print(table(rows, ["system", "p50 ms", "p95 ms", "p99 ms", "mean ms", "index build s"]))
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
