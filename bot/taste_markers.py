"""What a channel's liked papers have in common: its markers, the terms a good share of them carry. Pure.

A Rocchio centroid spreads each liked paper's pull over everything the paper says, so what the liked papers
share is diluted by all they do not: a channel following GRPO likes papers on GUI agents, theorem proving
and retrieval that have little in common but "grpo" in their abstracts. A marker is a term found in at
least MARKER_SHARE of the liked papers (and in two or more), weighed by that share times the log of how
much more often it occurs there than in papers generally or in the papers the channel turned down, and
by the share of the papers carrying it that the channel liked, of those it saw. A candidate carrying
markers gains on the centroid's order. bench/taste.py, 600-channel runs (BENCHMARKS.md):
taste only +1.0 point and topics + taste +1.1 over the centroid alone.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TypeVar

from paperbot.bot.taste import STOPWORDS

# bench/taste.py (BENCHMARKS.md): share 0.25 / 0.4 -0.2 / -0.5 points; 5 or 10 markers -0.4 / -0.2;
# pull 0.2-0.5 within 0.3 points, 0.6 -0.9.
MARKER_SHARE = 0.3
MARKERS = 20  # the strongest markers kept
MARKER_PULL = 0.4  # markers' weight against the centroid's, each a share of its best candidate
# A card names the markers it carries when they gave it at least this share of the best marker score, and
# only markers found in at most LABEL_RARITY of papers: "dataset" or "framework" may help rank, but a
# label quoting them explains nothing (nor in /papers taste).
LABEL_SHARE = 0.3
LABEL_RARITY = 0.05
LABEL_TERMS = 2
SUBJECT_PAPERS = 2  # a subject is among the keywords of at least this many papers

K = TypeVar("K", bound=Hashable)
T = TypeVar("T", bound=Hashable)


def markers(
    liked: Sequence[AbstractSet[T]], rejected: Sequence[AbstractSet[T]], rate: Mapping[T, float]
) -> dict[T, float]:
    """The liked papers' markers and their weights. `liked`: each liked paper's terms (terms no candidate
    carries may be left out: they cannot score); `rejected`: the terms of papers it turned down (👎, or
    shown and passed over); `rate`: the share of papers in general carrying each term."""
    if len(liked) < 2:
        return {}
    counts = Counter(itertools.chain.from_iterable(liked))  # counted in C: the fan-out's hottest loop
    need = max(2.0, MARKER_SHARE * len(liked))
    common = {term: count / len(liked) for term, count in counts.items() if count >= need}
    wanted = set(common)
    turned_down = Counter(itertools.chain.from_iterable(terms & wanted for terms in rejected))
    weights = {}
    for term, share in common.items():
        usual = max(rate[term], turned_down[term] / len(rejected)) if rejected else rate[term]
        weight = share * math.log(share / usual)
        if weight > 0:
            # Times the share of the papers carrying it that the channel liked, of those it saw (smoothed):
            # a term it keeps passing over says less, however often its liked papers have it.
            liked_seen = counts[term]
            weights[term] = weight * (liked_seen + 0.5) / (liked_seen + turned_down[term] + 1)
    return dict(heapq.nlargest(MARKERS, weights.items(), key=lambda item: item[1]))


def marked(weights: Mapping[T, float], carriers: Mapping[T, Sequence[K]]) -> dict[K, float]:
    """Each candidate's score: the summed weights of the markers it carries (`carriers`: term ->
    the candidates carrying it)."""
    scores: dict[K, float] = defaultdict(float)
    for term, weight in weights.items():
        for key in carriers.get(term, ()):
            scores[key] += weight
    return dict(scores)


def subjects(keywords: Iterable[Iterable[str]]) -> set[str]:
    """The terms found among the keywords (each paper's terms of its keywords) of at least SUBJECT_PAPERS
    papers: what papers are about ("grpo", "world modeling"), not how they say it ("rethinking")."""
    counts = Counter(itertools.chain.from_iterable(set(terms) for terms in keywords))
    return {term for term, count in counts.items() if count >= SUBJECT_PAPERS}


@dataclass
class _Pool:
    carriers: dict[int, list[str]]  # term -> the candidates carrying it
    # liked paper -> its terms some candidate carries
    cut: dict[str, frozenset[int]] = field(default_factory=dict)


class TermBook:
    """Papers' terms, as small ints, for markers: counting ints is about three times faster than counting
    strings, and the 10,000-channel fan-out counts every channel's liked papers' terms. Holds the share of
    papers carrying each term (read back from its idf), and per pool of candidates which carry each term,
    shared by every channel of a pass."""

    def __init__(self, idf: Mapping[str, float], subjects: Iterable[str] = ()) -> None:
        self.names = list(idf)
        self.ids = {term: n for n, term in enumerate(self.names)}
        self.rate = {n: math.exp(1.0 - idf[term]) for n, term in enumerate(self.names)}
        self.subjects = {self.ids[t] for t in subjects if t in self.ids}  # what a label may name
        self.papers: dict[str, frozenset[int]] = {}
        self._pools: dict[tuple[str, ...], _Pool] = {}

    def add(self, paper: str, terms: Iterable[str]) -> None:
        ids = self.ids
        self.papers[paper] = frozenset(ids[t] for t in terms if t in ids)

    def _pool(self, candidates: tuple[str, ...]) -> _Pool:
        if candidates not in self._pools:
            carriers: dict[int, list[str]] = defaultdict(list)
            for paper in candidates:
                for term in self.papers.get(paper, ()):
                    carriers[term].append(paper)
            self._pools[candidates] = _Pool(dict(carriers))
        return self._pools[candidates]

    def markers(
        self, liked: Sequence[str], rejected: Sequence[str], candidates: tuple[str, ...] | None = None
    ) -> dict[int, float]:
        """The markers of `liked`; with `candidates`, only terms some of them carry (others cannot score)."""
        empty: frozenset[int] = frozenset()
        if candidates is None:
            liked_terms = [self.papers.get(p, empty) for p in liked]
        else:
            pool = self._pool(candidates)
            for paper in liked:
                if paper not in pool.cut:
                    pool.cut[paper] = self.papers.get(paper, empty) & pool.carriers.keys()
            liked_terms = [pool.cut[p] for p in liked]
        return markers(liked_terms, [self.papers.get(p, empty) for p in rejected], self.rate)

    def marked(self, weights: Mapping[int, float], candidates: tuple[str, ...]) -> dict[str, float]:
        return marked(weights, self._pool(candidates).carriers)

    def telling(self, weights: Mapping[int, float]) -> list[int]:
        """The markers worth naming, strongest first: rare enough to say something, and subjects
        ("showing" or "rethinking" may be shared, but name no subject)."""
        return [
            t
            for t in sorted(weights, key=lambda t: -weights[t])
            if self.rate[t] <= LABEL_RARITY and t in self.subjects
        ]

    def carried(self, telling: Sequence[int], paper: str) -> list[str]:
        """The markers worth naming (`telling`, strongest first) that `paper` carries, as words."""
        terms = self.papers.get(paper, frozenset())
        return [self.names[t] for t in telling if t in terms]


def with_markers(scores: Mapping[K, float], marks: Mapping[K, float]) -> dict[K, float]:
    """The centroid's scores plus MARKER_PULL times the markers', each as a share of its best candidate."""
    top = max((abs(v) for v in scores.values()), default=0.0) or 1.0
    best = max(marks.values(), default=0.0) or 1.0
    return {key: value / top + MARKER_PULL * marks.get(key, 0.0) / best for key, value in scores.items()}


@functools.lru_cache(maxsize=1 << 16)  # a day's cards are labelled for thousands of channels
def as_written(term: str, text: str) -> str | None:
    """A marker as the paper writes it ("agent" -> "Agents"), or None when the text does not show it
    plainly (a word pair split by punctuation, a term only in the keywords): a label quotes only words the
    reader can find on the card."""
    if any(word in STOPWORDS for word in term.split(" ")):
        return None  # a folded plural can land on a stop word ("news" -> "new"): never quoted
    pattern = r"(?:\s+|-)".join(re.escape(word) + "s?" for word in term.split(" "))
    found = re.search(rf"(?<![\w-]){pattern}(?![\w-])", text, re.IGNORECASE)
    return found.group(0) if found else None


def _overlap(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    return a in b or b in a


def label_terms(terms: Sequence[str], *texts: str) -> tuple[str, ...]:
    """Up to LABEL_TERMS of a card's markers (strongest first), as written in its title or else its
    abstract, none repeated."""
    shown: list[str] = []
    for term in terms:
        written = next(filter(None, (as_written(term, text) for text in texts)), None)
        # "Reinforcement" after "Reinforcement Learning" (or the other way round) says nothing more.
        if written and not any(_overlap(written, other) for other in shown):
            shown.append(written)
        if len(shown) == LABEL_TERMS:
            break
    return tuple(shown)
