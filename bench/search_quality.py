"""Search quality on graded judgments: nDCG@10 and P@5 for paperbot's search and a plain BM25 baseline.

    python bench/search_quality.py [--qrels ../shared/eval/public_qrels.json]
                                   [--corpus ../shared/data/seed_corpus/papers.jsonl] [--json]

Both systems search the same rows in the same fresh in-memory database. The baseline is FTS5 BM25
(equal column weights) over an OR of the query's words, with no aliases, phrases or re-ranking.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from paperbot.bot import search as search_mod  # noqa: E402
from paperbot.bot.ingest import import_batch  # noqa: E402
from paperbot.bot.sources.files import load_file  # noqa: E402
from paperbot.storage.db import open_db  # noqa: E402

SHARED = ROOT.parent / "shared"


def dcg(gains: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    return dcg([grades.get(doc, 0) for doc in ranked[:k]]) / ideal if ideal else 0.0


def precision_at(ranked: list[str], grades: dict[str, int], k: int = 5) -> float:
    return sum(1 for doc in ranked[:k] if grades.get(doc, 0) > 0) / k


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    raw = json.loads(path.read_text())["queries"]
    return {q: {doc: int(g) for g, docs in by_grade.items() for doc in docs} for q, by_grade in raw.items()}


def evaluate(
    run: Callable[[str], list[str]], qrels: dict[str, dict[str, int]]
) -> dict[str, dict[str, float]]:
    per_query = {}
    for query, grades in qrels.items():
        ranked = run(query)
        per_query[query] = {"ndcg@10": ndcg_at(ranked, grades), "p@5": precision_at(ranked, grades)}
    return per_query


def mean(per_query: dict[str, dict[str, float]], metric: str) -> float:
    return sum(v[metric] for v in per_query.values()) / max(len(per_query), 1)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--qrels", type=Path, default=SHARED / "eval" / "public_qrels.json")
    parser.add_argument("--corpus", type=Path, default=SHARED / "data" / "seed_corpus" / "papers.jsonl")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    for path in (args.qrels, args.corpus):
        if not path.exists():
            print(f"missing {path}: run from a checkout with ../shared beside it", file=sys.stderr)
            return 2

    db = open_db(memory=True)
    import_batch(db, load_file(args.corpus))
    qrels = load_qrels(args.qrels)

    def paperbot(q: str) -> list[str]:
        return [h.paper.id for h in search_mod.search(db, q, limit=10).hits]

    def baseline(q: str) -> list[str]:
        return search_mod.baseline_or(db, q, limit=10)

    systems = {"paperbot": evaluate(paperbot, qrels), "fts5_bm25_or": evaluate(baseline, qrels)}
    summary = {
        name: {"ndcg@10": round(mean(pq, "ndcg@10"), 4), "p@5": round(mean(pq, "p@5"), 4)}
        for name, pq in systems.items()
    }
    if args.json:
        print(json.dumps({"summary": summary, "per_query": systems, "queries": len(qrels)}, indent=2))
        return 0
    print(f"{'query':<24} {'paperbot nDCG@10':>17} {'baseline nDCG@10':>17}")
    for query in qrels:
        print(
            f"{query:<24} {systems['paperbot'][query]['ndcg@10']:>17.3f} {systems['fts5_bm25_or'][query]['ndcg@10']:>17.3f}"
        )
    print()
    print(f"{'system':<16} {'nDCG@10':>8} {'P@5':>8}   ({len(qrels)} queries, {args.corpus.name})")
    for name, figures in summary.items():
        print(f"{name:<16} {figures['ndcg@10']:>8.4f} {figures['p@5']:>8.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
