"""Optional semantic search (PAPERBOT_SEMANTIC=true, the `semantic` extra): the query and every paper are
embedded by a small sentence model, so search can tell papers about the query from papers that only share
its words, and can show papers close in meaning when too few papers hold the words at all.

Two uses, both after the lexical ranking (bot.search), never instead of it:
- blend: the best DEPTH candidates are re-ordered by an equal blend of their lexical score (as a share of
  the best one's) and their cosine similarity to the query. Measured with bench/search_quality.py
  --semantic on both public sets: weights 0.3-0.7 and depths 30-100 all lift both; 0.5 is an equal say.
- related: when fewer than RELATED_WHEN papers hold any of the query's words, up to RELATED papers
  closest in meaning among the POOL most recently stored ones follow them (after the last one, on every
  page), labelled as related, never as matches. Only when some paper holds the words: a query the archive
  knows nothing of (gibberish, `sourdough`) has no meaning to anchor to, and every paper would be a bit
  "related" to it.
Topic matches (digest labels, subscriptions) stay lexical: a label is a claim about the paper's words.
"""

from __future__ import annotations

import logging
import operator
import threading
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import sqlite_utils

from paperbot.bot.ports import Embedder
from paperbot.storage import vectors as vector_store

logger = logging.getLogger(__name__)

WEIGHT = 0.5  # the similarity's share of a blended score
DEPTH = 50  # candidates re-ordered by the blend; the rest keep their lexical order below them
POOL = 2_000  # papers stored most recently, searched for related ones (pure Python: ~15 ms a 1,000)
RELATED_WHEN = 50  # related papers follow only word matches fewer than this (a list one pages through)
RELATED = 10
# A related paper is at least this similar to the query, and at least RELATED_SHARE as similar as the
# closest paper holding the words (bench/search_quality.py: 0-0.2 and shares up to 0.7 measured the same).
MIN_RELATED = 0.15
RELATED_SHARE = 0.6
WHY_RELATED = "related in meaning, without the words searched"
BATCH = 32  # papers embedded at once

Ranked = list[tuple[int, float, tuple[str, ...]]]  # (pk, score, matched concept labels), best first


def pack(vector: Sequence[float]) -> bytes:
    """A unit-length float32 vector as bytes (a model's own output is not trusted to be normalised)."""
    values = array("f", vector)
    norm = sum(v * v for v in values) ** 0.5
    return array("f", (v / norm for v in values)).tobytes() if norm else values.tobytes()


def unpack(blob: bytes) -> array[float]:
    values = array("f")
    values.frombytes(blob)
    return values


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Both unit length (pack), so the dot product; vectors of different sizes are unrelated."""
    return sum(map(operator.mul, a, b)) if len(a) == len(b) else 0.0


def paper_text(title: str, abstract: str) -> str:
    return f"{title}. {abstract}".strip()


def blend(ranked: Ranked, query: Sequence[float], vectors: Mapping[int, Sequence[float]]) -> Ranked:
    """The best DEPTH candidates re-ordered by lexical score and meaning together; a candidate without a
    vector keeps its lexical standing. The rest follow in their order, scored below the blended ones."""
    head, tail = ranked[:DEPTH], ranked[DEPTH:]
    if not head:
        return []
    high = max(s for _, s, _ in head)
    blended = []
    for pk, score, labels in head:
        # A share of the best candidate's score, not stretched to 0..1: two papers whose words match
        # almost equally well stay almost equal, and meaning decides between them.
        own = max(score, 0.0) / high if high > 0 else 1.0
        similarity = cosine(query, vectors[pk]) if pk in vectors else own
        blended.append((pk, round((1 - WEIGHT) * own + WEIGHT * similarity, 6), labels))
    blended.sort(key=lambda row: -row[1])
    floor = min(s for _, s, _ in blended)
    return blended + [
        (pk, round(floor - (i + 1) * 1e-6, 6), labels) for i, (pk, _, labels) in enumerate(tail)
    ]


def related(
    query: Sequence[float], pool: Mapping[int, Sequence[float]], skip: set[int], least: float, limit: int
) -> list[tuple[int, float]]:
    """Up to `limit` papers of `pool` closest in meaning to the query (at least `least`), best first."""
    scored = [(cosine(query, vec), pk) for pk, vec in pool.items() if pk not in skip]
    scored = [(s, pk) for s, pk in scored if s >= least]
    scored.sort(key=lambda row: (-row[0], -row[1]))
    return [(pk, round(s, 6)) for s, pk in scored[:limit]]


@dataclass
class Semantic:
    """The embedder, loaded on first use (a sentence model takes seconds to load)."""

    load: Callable[[], Embedder]
    model: str
    _embedder: Embedder | None = field(default=None, init=False)
    _loading: threading.Lock = field(default_factory=threading.Lock, init=False)

    @property
    def embedder(self) -> Embedder:
        with self._loading:  # two lanes searching at start-up load the model once, not twice
            if self._embedder is None:
                self._embedder = self.load()
            return self._embedder

    def vectors(self, texts: Sequence[str]) -> list[bytes]:
        return [pack(v) for v in self.embedder.embed(list(texts))]

    def rerank(
        self,
        db: sqlite_utils.Database,
        text: str,
        ranked: Ranked,
        words: frozenset[int],
        excluded: Callable[[set[int]], set[int]] | None,
    ) -> tuple[Ranked, frozenset[int]]:
        """`ranked` blended with meaning, followed by related papers when few papers hold the words
        (`words`: those of `ranked` that do; the others came in through the search's own feedback terms).
        `excluded(pks)` says which of some papers hold a word the user excluded (None: no related papers,
        as in a search by author). Returns the list and the related pks."""
        if not ranked:
            return [], frozenset()
        query = unpack(self.vectors([text])[0])
        stored = {
            pk: unpack(blob)
            for pk, blob in vector_store.of(db, self.model, [pk for pk, _, _ in ranked[:DEPTH]]).items()
        }
        out = blend(ranked, query, stored)
        anchors = [cosine(query, vec) for pk, vec in stored.items() if pk in words]
        if excluded is None or len(words) >= RELATED_WHEN or not anchors:
            return out, frozenset()
        anchor = max(anchors)
        pool = {pk: unpack(blob) for pk, blob in vector_store.newest(db, self.model, POOL).items()}
        seen = {pk for pk, _, _ in out}
        close = related(query, pool, seen, max(MIN_RELATED, RELATED_SHARE * anchor), RELATED * 2)
        banned = excluded({pk for pk, _ in close})
        found = [(pk, s) for pk, s in close if pk not in banned][:RELATED]
        floor = min(s for _, s, _ in out)
        # Related papers come after every paper holding the words, whatever their similarity.
        extra = [(pk, round(min(s, floor) - (i + 1) * 1e-6, 6), ()) for i, (pk, s) in enumerate(found)]
        return out + extra, frozenset(pk for pk, _ in found)


def failure(exc: BaseException) -> str:
    """An optional model's failure in one line (a MemoryError has no message of its own)."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def coverage(have: int, total: int) -> str:
    left = f"; `paperbot embed` adds the other {total - have:,}" if have < total else ""
    return f"{have:,} of {total:,} papers have meaning vectors{left}"


def embed_missing(
    db: sqlite_utils.Database,
    semantic: Semantic,
    limit: int,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Embed up to `limit` papers that have no vector yet, stored most recently first; returns how many.
    `on_batch(n)` is told each batch's size as it is saved (a progress bar's advance)."""
    done = 0
    while done < limit:
        rows = vector_store.missing(db, semantic.model, min(BATCH, limit - done))
        if not rows:
            break
        blobs = semantic.vectors([paper_text(title, abstract) for _, title, abstract in rows])
        vector_store.save(
            db, semantic.model, [(pk, blob) for (pk, _, _), blob in zip(rows, blobs, strict=True)]
        )
        done += len(rows)
        if on_batch is not None:
            on_batch(len(rows))
    return done
