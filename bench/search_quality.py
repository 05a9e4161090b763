"""Search quality on both public judgment sets: nDCG@10, P@5 and `avoid` papers in the top 5, for
paperbot's search beside plain FTS5 and tf-idf baselines run on the same rows in the same process.

    python bench/search_quality.py [--sets seed,real] [--json]

seed: ../shared/eval/public_qrels.json over ../shared/data/seed_corpus/papers.jsonl
real: ../shared/eval/public_real_qrels.json over the 21 June 2026 days in ../shared/data/hf_daily_papers
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baselines import TfIdf, plain_fts5
from evalsets import SETS, Judged, load_corpus, load_qrels, missing, ndcg_at, precision_at

from paperbot.bot import search as search_mod
from paperbot.bot.config import ConfigError
from paperbot.bot.embedding import semantic_search
from paperbot.bot.query import QueryError
from paperbot.bot.semantic import Semantic, embed_missing

Run = Callable[[str], list[str]]


def evaluate(run: Run, qrels: dict[str, Judged]) -> dict[str, dict[str, float]]:
    per_query = {}
    for query, judged in qrels.items():
        started = time.perf_counter()
        ranked = run(query)
        elapsed = (time.perf_counter() - started) * 1000
        per_query[query] = {
            "ms": elapsed,
            "ndcg@10": ndcg_at(ranked, judged.grades),
            "p@5": precision_at(ranked, judged.grades),
            "avoid@5": float(sum(1 for doc in ranked[:5] if doc in judged.avoid)),
        }
    return per_query


def measure(name: str, semantic: Semantic | None = None) -> dict[str, object]:
    qrels_path, corpus_path = SETS[name]
    db, papers = load_corpus(corpus_path)
    qrels = load_qrels(qrels_path)
    tfidf = TfIdf(papers)

    def paperbot(q: str, by_meaning: Semantic | None = None) -> list[str]:
        try:
            return [h.paper.id for h in search_mod.search(db, q, limit=10, semantic=by_meaning).hits]
        except QueryError:
            return []

    systems: dict[str, Run] = {
        "paperbot": paperbot,
        "fts5_bm25_or": lambda q: plain_fts5(db, q, limit=10),
        "tfidf": lambda q: tfidf.search(q, limit=10),
    }
    embedded: dict[str, float] = {}
    if semantic is not None:
        semantic.vectors(["warm up"])  # the model loads once (~5 s), before anything is timed
        started = time.perf_counter()
        count = embed_missing(db, semantic, len(papers))
        embedded = {"papers": count, "ms_per_paper": round((time.perf_counter() - started) * 1000 / count, 1)}
        systems["semantic"] = lambda q: paperbot(q, semantic)
    per_system = {sys_name: evaluate(run, qrels) for sys_name, run in systems.items()}
    summary = {
        sys_name: {
            "ndcg@10": round(sum(v["ndcg@10"] for v in pq.values()) / len(pq), 4),
            "p@5": round(sum(v["p@5"] for v in pq.values()) / len(pq), 4),
            "avoid@5": int(sum(v["avoid@5"] for v in pq.values())),
            "median_ms": round(statistics.median(v["ms"] for v in pq.values()), 1),
        }
        for sys_name, pq in per_system.items()
    }
    return {
        "corpus": str(corpus_path),
        "papers": len(papers),
        "summary": summary,
        "per_query": per_system,
        "embedded": embedded,
    }


def show(name: str, result: dict[str, object]) -> None:
    per_query = result["per_query"]
    summary = result["summary"]
    assert isinstance(per_query, dict) and isinstance(summary, dict)
    print(f"== {name}: {result['papers']} papers ({result['corpus']})")
    meaning = per_query.get("semantic")
    extra = f" {'semantic':>9}  avoid@5 (semantic)" if meaning else ""
    print(f"{'query':<28} {'paperbot':>9} {'fts5':>7} {'tfidf':>7}  avoid@5 (paperbot){extra}")
    for query, figures in per_query["paperbot"].items():
        fts, tfidf = per_query["fts5_bm25_or"][query], per_query["tfidf"][query]
        avoid = int(figures["avoid@5"])
        more = (
            f"{avoid:<18} {meaning[query]['ndcg@10']:>9.3f}  {int(meaning[query]['avoid@5'])}"
            if meaning
            else avoid
        )
        print(
            f"{query:<28} {figures['ndcg@10']:>9.3f} {fts['ndcg@10']:>7.3f} {tfidf['ndcg@10']:>7.3f}  {more}"
        )
    print(f"\n{'system':<14} {'nDCG@10':>8} {'P@5':>7} {'avoid@5':>8} {'ms/query (median)':>18}")
    for sys_name, figures in summary.items():
        print(
            f"{sys_name:<14} {figures['ndcg@10']:>8.4f} {figures['p@5']:>7.4f} {figures['avoid@5']:>8}"
            f" {figures['median_ms']:>18.1f}"
        )
    embedded = result.get("embedded")
    if isinstance(embedded, dict) and embedded:
        print(f"semantic: embedded {embedded['papers']} papers, {embedded['ms_per_paper']} ms a paper")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", default="seed,real", help="comma-separated: seed, real")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--semantic",
        action="store_true",
        help="also paperbot with semantic search (needs pip install -e '.[semantic]'; embeds each corpus)",
    )
    args = parser.parse_args()
    names = [n.strip() for n in args.sets.split(",") if n.strip()]
    for name in names:
        if name not in SETS:
            print(f"unknown set {name!r}; choose from {', '.join(SETS)}", file=sys.stderr)
            return 2
        if (absent := missing(name)) is not None:
            print(f"missing {absent}: run from a checkout with ../shared beside it", file=sys.stderr)
            return 2
    try:
        semantic = semantic_search(args.semantic)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    results = {name: measure(name, semantic) for name in names}
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for name, result in results.items():
            show(name, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
