"""The public judgment sets and the corpora they judge, loaded into fresh in-memory databases.

    seed: ../shared/eval/public_qrels.json over ../shared/data/seed_corpus/papers.jsonl
    real: ../shared/eval/public_real_qrels.json over the June 2026 days in ../shared/data/hf_daily_papers

A qrels file is {"queries": {query: {"2": [ids], "1": [ids], "avoid": [ids]}}}: grade 2 squarely on
topic, 1 related, and `avoid` papers that share a word but are off topic (they must stay out of a top 5).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from paperbot.bot.ingest import import_batch
from paperbot.bot.models import Paper
from paperbot.bot.sources.files import load_file
from paperbot.storage.db import open_db

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
HF_DAYS = SHARED / "data" / "hf_daily_papers"
SETS = {
    "seed": (SHARED / "eval" / "public_qrels.json", SHARED / "data" / "seed_corpus" / "papers.jsonl"),
    "real": (SHARED / "eval" / "public_real_qrels.json", HF_DAYS),
}


@dataclass(frozen=True)
class Judged:
    grades: dict[str, int]
    avoid: frozenset[str]


def load_qrels(path: Path) -> dict[str, Judged]:
    raw = json.loads(path.read_text())["queries"]
    return {
        query: Judged(
            {doc: int(g) for g, docs in by_grade.items() if g.isdigit() for doc in docs},
            frozenset(by_grade.get("avoid", [])),
        )
        for query, by_grade in raw.items()
    }


def june_files(folder: Path = HF_DAYS) -> list[Path]:
    return sorted(folder.glob("2026-06-*.json"))


def load_corpus(source: Path) -> tuple[sqlite_utils.Database, list[Paper]]:
    """A fresh in-memory database holding `source` (a JSONL file or a folder of HF daily files)."""
    db = open_db(memory=True)
    papers: dict[str, Paper] = {}
    for path in june_files(source) if source.is_dir() else [source]:
        batch = load_file(path)
        import_batch(db, batch)
        papers.update({p.id: p for p in batch.papers})
    return db, list(papers.values())


def missing(name: str) -> Path | None:
    return next((p for p in SETS[name] if not p.exists()), None)


def dcg(gains: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    return dcg([grades.get(doc, 0) for doc in ranked[:k]]) / ideal if ideal else 0.0


def precision_at(ranked: list[str], grades: dict[str, int], k: int = 5) -> float:
    return sum(1 for doc in ranked[:k] if grades.get(doc, 0) > 0) / k
