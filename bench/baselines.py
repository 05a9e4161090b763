"""Yardsticks the benchmarks compare paperbot's search with, run on the same rows in the same process.

- `plain_fts5`: FTS5 BM25 (equal column weights) over an OR of the query's words, `ORDER BY bm25`;
  no aliases, phrases, coverage or re-ranking. It lives here, not in bot/search.py: production search
  never calls it.
- `TfIdf`: cosine similarity of log-tf * idf vectors over title + abstract + keywords, in pure Python.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

import sqlite_utils

from paperbot.bot.models import Paper
from paperbot.bot.query import QueryError, parse, quote
from paperbot.storage import papers as paper_store

_WORD = re.compile(r"[^\W_]+")
EQUAL_WEIGHTS = (1.0, 1.0, 1.0, 1.0)


def or_expression(text: str) -> str | None:
    try:
        words = [w for c in parse(text).concepts for p in c.phrases for w in p]
    except QueryError:
        return None
    return " OR ".join(quote((w,)) for w in words) if words else None


def plain_fts5(db: sqlite_utils.Database, text: str, limit: int = 10) -> list[str]:
    """Plain FTS5 `ORDER BY bm25` over an OR of the query's words: arXiv ids, best first."""
    expression = or_expression(text)
    if expression is None:
        return []
    rows = paper_store.fts_ranked(db, expression, limit, weights=EQUAL_WEIGHTS)
    papers = paper_store.get_papers_by_pk(db, [pk for pk, _ in rows])
    return [papers[pk].id for pk, _ in rows if pk in papers]


def _terms(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


class TfIdf:
    """Classic tf-idf retrieval (sublinear tf, smoothed idf, cosine), built once over a corpus."""

    def __init__(self, papers: Iterable[Paper]) -> None:
        docs = {p.id: Counter(_terms(f"{p.title} {p.summary} {' '.join(p.ai_keywords)}")) for p in papers}
        df: Counter[str] = Counter()
        for counts in docs.values():
            df.update(counts.keys())
        n = len(docs)
        self.idf = {t: math.log((1 + n) / (1 + d)) + 1 for t, d in df.items()}
        self.vectors: dict[str, dict[str, float]] = {}
        for pid, counts in docs.items():
            vec = {t: (1 + math.log(c)) * self.idf[t] for t, c in counts.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            self.vectors[pid] = {t: v / norm for t, v in vec.items()}

    def search(self, text: str, limit: int = 10) -> list[str]:
        query = Counter(t for t in _terms(text) if t in self.idf)
        if not query:
            return []
        weights = {t: (1 + math.log(c)) * self.idf[t] for t, c in query.items()}
        scores = {
            pid: sum(w * vec.get(t, 0.0) for t, w in weights.items()) for pid, vec in self.vectors.items()
        }
        ranked = sorted((s, pid) for pid, s in scores.items() if s > 0)
        return [pid for _, pid in sorted(ranked, key=lambda r: (-r[0], r[1]))[:limit]]
