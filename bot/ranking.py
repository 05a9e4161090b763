"""Pure scoring: search relevance, trending score and digest ordering. No I/O here."""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date

# Relevance is mostly "does the paper cover every part of the query, and in its title";
# BM25 orders papers that cover the same parts. Popularity and recency only break near-ties.
W_BM25 = 0.6
W_STRENGTH = 1.0
W_COVERAGE = 1.0
W_TITLE = 0.5
W_PHRASE = 0.4
W_POPULARITY = 0.06
W_RECENCY = 0.03


@dataclass(frozen=True)
class Features:
    pk: int
    bm25: float
    coverage: float  # share of the query's concepts the paper matches, 0..1 (plus feedback terms)
    title_coverage: float  # share of them in the title
    phrase: bool  # the query's words appear as one phrase
    strength: float = 0.0  # bot.evidence: how strongly the paper's own words cover the whole query, 0..1
    upvotes: int = 0
    comments: int = 0
    stars: int = 0
    published_at: str | None = None


def trending_score(upvotes: int, comments: int = 0, stars: int | None = 0) -> float:
    """Community signal: upvotes dominate; discussion and code stars add with diminishing returns.

    Stars weigh little: a paper linking a famous existing repository inherits its stars.
    """
    return (
        math.log1p(max(upvotes, 0))
        + 0.15 * math.log1p(max(comments, 0))
        + 0.1 * math.log1p(max(stars or 0, 0))
    )


def as_date(text: object) -> date | None:
    """A stored publication date, or None. Sources validate dates at the border, but a database written by
    an older paperbot may still hold `2026-13-45`: every reader goes through here and never raises."""
    if not isinstance(text, str):
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _recency(published_at: str | None, newest: date | None) -> float:
    published = as_date(published_at)
    if published is None or newest is None:
        return 0.0
    return 1.0 / (1.0 + max((newest - published).days, 0) / 30.0)


def relevance(features: Sequence[Features], newest: date | None = None) -> dict[int, float]:
    """Score every candidate; larger is better. Normalised within the candidate set."""
    if not features:
        return {}
    top_bm25 = max(f.bm25 for f in features) or 1.0
    top_trend = max(trending_score(f.upvotes, f.comments, f.stars) for f in features) or 1.0
    scores: dict[int, float] = {}
    for f in features:
        score = (
            W_BM25 * (f.bm25 / top_bm25)
            + W_COVERAGE * f.coverage
            + W_STRENGTH * f.strength
            + W_TITLE * f.title_coverage
            + (W_PHRASE if f.phrase else 0.0)
            + W_POPULARITY * trending_score(f.upvotes, f.comments, f.stars) / top_trend
            + W_RECENCY * _recency(f.published_at, newest)
        )
        scores[f.pk] = round(score, 6)
    return scores


def order(scores: Mapping[int, float], tiebreak: Mapping[int, float] | None = None) -> list[int]:
    """Keys best first; ties broken by `tiebreak` (e.g. upvotes), then by key for a stable order."""
    tiebreak = tiebreak or {}
    return sorted(scores, key=lambda k: (-scores[k], -tiebreak.get(k, 0.0), k))


# Relevance scores from `relevance` lie in [0, REL_SCALE]; a fixed scale keeps a topic's digest order the
# same whichever other topics a channel follows, so it can be computed once per topic and day.
REL_SCALE = W_BM25 + W_STRENGTH + W_COVERAGE + W_TITLE + W_PHRASE + W_POPULARITY + W_RECENCY


# A topic's papers lead a digest by how well they match; trending breaks ties. Measured with
# bench/subscriptions.py (on-topic lead): 0.740 at 0.6 (match blended with trending), 0.794 at 0.8,
# 0.836 at 0.9, 0.849 at 1.0.
TOPIC_WEIGHT = 1.0


def topic_order(
    relevance: Mapping[int, float], trend: Mapping[int, float], topic_weight: float = TOPIC_WEIGHT
) -> list[tuple[float, int]]:
    """A topic's papers in digest order, as (score, pk): match quality blended with trending."""
    top_trend = max(trend.values(), default=0.0) or 1.0
    blended = {
        pk: topic_weight * rel / REL_SCALE + (1 - topic_weight) * trend.get(pk, 0.0) / top_trend
        for pk, rel in relevance.items()
    }
    return [(blended[pk], pk) for pk in order(blended, trend)]


def digest_pick(
    topic_orders: Sequence[Sequence[tuple[float, int]]],
    by_trend: Sequence[int],
    skip: Set[int],
    size: int,
    near_orders: Sequence[Sequence[tuple[float, int]]] = (),
) -> list[int]:
    """Up to `size` papers: the best matches over all the channel's topics, then the papers nearest to
    them (sharing some of a topic's words), then the rest by trending.

    Each order is sorted best first, so a k-way merge reads only a few items of each.
    """
    chosen: list[int] = []
    taken: set[int] = set(skip)
    merged = (pk for _, pk in heapq.merge(*topic_orders, key=lambda item: -item[0]))
    near = (pk for _, pk in heapq.merge(*near_orders, key=lambda item: -item[0]))
    for source in (merged, near, by_trend):
        for pk in source:
            if len(chosen) >= size:
                return chosen
            if pk not in taken:
                taken.add(pk)
                chosen.append(pk)
    return chosen
