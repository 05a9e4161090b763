"""A channel's taste, learned from its members' 👍/👎: pure functions over sparse tf-idf vectors.

Papers become sparse tf-idf vectors of their title, Hugging Face keywords and one-sentence summary, and
abstract (words, plurals folded, and adjacent word pairs). A channel's profile is a Rocchio centroid: the
words of the topics it follows, plus its liked papers, minus half as much of its 👎 and (weaker) of the
cards it was shown without a vote; without topics, liked and disliked papers are grouped into areas of
similar papers, each area pulling by the square root of its size. The nearest liked paper explains a card ("like ..."). Each person's votes are capped
in weight, so one member voting 👎 on everything cannot drown the others.
No I/O here; `bot/taste_scorer.py` feeds these functions from storage.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

Vector = dict[str, float]

_WORD = re.compile(r"[a-z][a-z0-9]+|[0-9]+[a-z][a-z0-9]*")
_STOP = """
a about above after again against all also an and any are as at be been before being below between both
but by can could did do does doing down during each few for from further had has have having here how
however if in into is it its itself just more most much new no nor not novel of off on once only or
other our out over own paper propose proposed same should so some such than that the their them then
there these they this those through to too under until up very via was we well were what when where
which while who whom why will with within without would yet you your us show shows shown results result
method methods approach approaches based using use used existing work study present introduce achieve
achieves achieving demonstrate extensive experiments experimental significantly significant state art
available publicly release released further address across one two three first second outperforms
performance task tasks
"""
# Not "code": in this field it is a topic ("code generation", "code LLMs"), and as a stop word it left a channel
# liking code papers nothing to tell them from image generation (bench/taste.py: taste only +0.3 points).
STOPWORDS = frozenset(_STOP.split())
# bench/taste.py: title ×6 over ×3 and the one-sentence summary at ×1 each lifted taste-only shares; the
# keywords at ×4 or the abstract at ×0.5 lost.
TITLE_WEIGHT = 6.0
KEYWORD_WEIGHT = 2.0
SUMMARY_WEIGHT = 1.0
ABSTRACT_WEIGHT = 1.0
MIN_DF = 2  # a term found in one paper of the sample links no two papers: dropped

# Learner settings, chosen by bench/taste.py (see BENCHMARKS.md).
NEGATIVE_SHARE = 0.5  # Rocchio beta: how far 👎 push away, relative to 👍 pulling
# Weight of "close to one liked paper" against the centroid. Measured 0.25-1.0: every share above 0 lost
# (a single mis-pressed 👍 drags its neighbours in), so the nearest liked paper only explains a card.
NEAREST_SHARE = 0.0
QUERY_SHARE = 0.5  # weight of the followed topics' words against the liked papers' centroid
UNVOTED_WEIGHT = 0.3  # a card shown to the channel that nobody voted on, as a share of one 👎
PERSON_CAP = 6.0  # one person's votes of one sign count at most as much as this many votes
PROFILE_TERMS = 400  # the centroid keeps its strongest terms only: small, and fast to score
# Liked papers at least this similar (cosine) are one area (single link). Each area pulls by the square
# root of its liked weight rather than linearly, so a channel's minor interest (one or two 👍) is not
# drowned by its major one; disliked papers likewise. bench/taste.py: taste only +0.4 points for liked
# areas and +0.4 more for disliked ones (seeds 7/11/13; +0.7 and +0.4 on 17/19/23/29); linking at 0.1
# merged unrelated likes and lost 6 points.
AREA_LINK = 0.15
AREA_POWER = 0.5
Neighbours = Callable[[str], AbstractSet[str]]  # the papers similar enough to one to be its area


def _fold(word: str) -> str:
    """Plural to singular, crudely ("agents" -> "agent"), so a paper about agents is like one about an agent."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    return [_fold(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def _with_pairs(tokens: list[str]) -> list[str]:
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


def paper_terms(
    title: str, abstract: str, keywords: Iterable[str] = (), summary: str = ""
) -> dict[str, float]:
    """Weighted term counts of one paper: title words count most, then HF keywords, then the one-sentence
    summary and the abstract."""
    counts: dict[str, float] = defaultdict(float)
    for term in _with_pairs(words(abstract)):
        counts[term] += ABSTRACT_WEIGHT
    for term in _with_pairs(words(summary)):
        counts[term] += SUMMARY_WEIGHT
    for term in _with_pairs(words(title)):
        counts[term] += TITLE_WEIGHT
    for keyword in keywords:
        for term in _with_pairs(words(keyword)):
            counts[term] += KEYWORD_WEIGHT
    return dict(counts)


def idf(documents: Iterable[Mapping[str, float]], min_df: int = 1) -> tuple[dict[str, float], float]:
    """Inverse document frequency of each term found in at least `min_df` documents, and the value for a
    term never seen."""
    df: Counter[str] = Counter()
    n = 0
    for doc in documents:
        n += 1
        df.update(doc.keys())
    table = {term: math.log((1 + n) / (1 + count)) + 1.0 for term, count in df.items() if count >= min_df}
    return table, math.log(1 + n) + 1.0


def vectorize(terms: Mapping[str, float], table: Mapping[str, float], unseen: float) -> Vector:
    """Sublinear tf times idf, L2-normalised; a term missing from `table` weighs `unseen` (0 drops it)."""
    raw = {t: (1.0 + math.log(c)) * table.get(t, unseen) for t, c in terms.items() if c > 0}
    raw = {t: v for t, v in raw.items() if v > 0}
    norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
    return {t: v / norm for t, v in raw.items()}


def dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


@dataclass(frozen=True)
class Vote:
    paper_id: str
    user: str
    value: int  # +1 or -1


@dataclass(frozen=True)
class Profile:
    """What a channel has taught: each voted (or shown) paper's signed weight in its Rocchio centroid, and
    its liked papers with their weights and 👍 counts. Rocchio is linear, so a candidate's score is the
    weighted sum of its similarities to those papers: no centroid needs building to rank a digest."""

    coefficients: dict[str, float]
    liked: tuple[tuple[str, float, int], ...]  # (paper id, weight, 👍 count)
    up: int
    down: int

    @property
    def empty(self) -> bool:
        return not self.coefficients


@dataclass(frozen=True)
class TasteScore:
    score: float
    nearest: str | None  # the liked paper this one is most like
    similarity: float
    familiar: float = 0.0  # its similarity to the closest paper the channel was shown or voted on


def vote_weights(votes: Sequence[Vote], cap: float = PERSON_CAP) -> list[float]:
    """Each vote's weight: 1, scaled down for a person whose votes of one sign exceed `cap`."""
    per_person: Counter[tuple[str, int]] = Counter((v.user, v.value) for v in votes)
    return [min(1.0, cap / per_person[(v.user, v.value)]) for v in votes]


def areas(papers: Sequence[str], neighbours: Neighbours) -> list[list[str]]:
    """The papers grouped into areas: connected components of "is a neighbour of" (single link, either
    way round)."""
    parent = {p: p for p in papers}

    def root(p: str) -> str:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    members = set(papers)
    for a in papers:
        for b in neighbours(a) & members:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[ra] = rb
    groups: dict[str, list[str]] = defaultdict(list)
    for p in papers:
        groups[root(p)].append(p)
    return list(groups.values())


def area_shares(weights: Mapping[str, float], neighbours: Neighbours | None) -> dict[str, float]:
    """Each liked paper's share of the positive pull (summing to 1): its weight within its area, times the
    area's share, which grows with the square root of the area's weight (AREA_POWER)."""
    total = sum(weights.values())
    if neighbours is None or len(weights) < 2 or total <= 0:
        return {p: w / total for p, w in weights.items()} if total > 0 else {}
    groups = areas(sorted(weights), neighbours)
    mass = [sum(weights[p] for p in group) for group in groups]
    pull = [m**AREA_POWER for m in mass]
    whole = sum(pull)
    return {
        p: (share / whole) * weights[p] / m
        for group, m, share in zip(groups, mass, pull, strict=True)
        for p in group
    }


def learn(
    votes: Sequence[Vote],
    known: Container[str],
    *,
    seen: Sequence[str] = (),
    neighbours: Neighbours | None = None,
) -> Profile:
    """A channel's profile from its votes on papers it `known`s (others are skipped) and the cards it was
    shown that nobody voted on. With `neighbours`, liked papers are grouped into areas (see area_shares),
    and so are disliked ones."""
    usable = [v for v in votes if v.paper_id in known and v.value in (1, -1)]
    weights = vote_weights(usable)
    per_paper: dict[str, float] = defaultdict(float)
    ups: Counter[str] = Counter()
    for vote, weight in zip(usable, weights, strict=True):
        per_paper[vote.paper_id] += vote.value * weight
        if vote.value > 0:
            ups[vote.paper_id] += 1
    pos = {p: w for p, w in per_paper.items() if w > 0}
    neg = {p: -w for p, w in per_paper.items() if w < 0}
    for paper in seen:  # shown to the channel, nobody voted: a weak 👎
        if paper in known and paper not in per_paper:
            neg[paper] = UNVOTED_WEIGHT
    coefficients: dict[str, float] = defaultdict(float, area_shares(pos, neighbours))
    # 👎 areas balanced the same way: a disliked minor area is pushed away, not only the major one.
    for paper, share in area_shares(neg, neighbours).items():
        coefficients[paper] -= NEGATIVE_SHARE * share
    liked = tuple(sorted(((p, w, ups[p]) for p, w in pos.items()), key=lambda item: (-item[1], item[0])))
    return Profile(
        dict(coefficients),
        liked,
        up=sum(1 for v in usable if v.value > 0),
        down=sum(1 for v in usable if v.value < 0),
    )


def centroid(
    profile: Profile, vectors: Mapping[str, Vector], query: Mapping[str, float] | None = None
) -> Vector:
    """The profile as one vector (for showing which words it leans on), its strongest terms only."""
    total: dict[str, float] = defaultdict(float)
    for term, value in (query or {}).items():
        total[term] += QUERY_SHARE * value
    for paper, coefficient in profile.coefficients.items():
        for term, value in vectors.get(paper, {}).items():
            total[term] += coefficient * value
    return dict(heapq.nlargest(PROFILE_TERMS, total.items(), key=lambda item: abs(item[1])))


@dataclass(frozen=True)
class Index:
    """Candidate papers as postings (term -> [(paper, value)]): a profile touches only its own terms."""

    papers: tuple[str, ...]
    postings: dict[str, list[tuple[str, float]]]


def index(vectors: Mapping[str, Vector]) -> Index:
    postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for paper, vector in vectors.items():
        for term, value in vector.items():
            postings[term].append((paper, value))
    return Index(tuple(vectors), dict(postings))


def similarities(vector: Mapping[str, float], candidates: Index) -> dict[str, float]:
    sims: dict[str, float] = defaultdict(float)
    postings = candidates.postings
    for term, weight in vector.items():
        for paper, value in postings.get(term, ()):
            sims[paper] += weight * value
    return sims


Similarities = Callable[[str], Mapping[str, float]]  # paper -> {candidate: cosine}, nonzero only


def score_all(
    profile: Profile,
    papers: Sequence[str],
    sims_of: Similarities,
    query_sims: Mapping[str, float],
    *,
    familiar: bool = False,
) -> dict[str, TasteScore]:
    """How much the channel should like each candidate: its similarity to the Rocchio centroid (the followed
    topics' words, plus liked papers, minus disliked ones), computed paper by paper, and the liked paper
    it is most like (which explains a card). With `familiar`, also how close each candidate comes to
    anything the channel was shown or voted on (what exploration needs)."""
    base = dict.fromkeys(papers, 0.0)
    for paper, sim in query_sims.items():
        base[paper] += QUERY_SHARE * sim
    liked = {paper: min(1.0, weight) for paper, weight, _ in profile.liked}
    best = dict.fromkeys(papers, 0.0)
    close = dict.fromkeys(papers, 0.0)
    nearest: dict[str, str] = {}
    for voted, coefficient in profile.coefficients.items():
        sims = sims_of(voted)
        for paper, sim in sims.items():
            base[paper] += coefficient * sim
        if familiar:
            for paper, sim in sims.items():
                if sim > close[paper]:
                    close[paper] = sim
        weight = liked.get(voted)
        if weight is not None:
            for paper, sim in sims.items():
                if sim * weight > best[paper] and paper != voted:
                    best[paper] = sim * weight
                    nearest[paper] = voted
    return {
        paper: TasteScore(
            (1 - NEAREST_SHARE) * base[paper] + NEAREST_SHARE * best[paper],
            nearest.get(paper),
            best[paper],
            close[paper],
        )
        for paper in papers
    }


def strongest(vector: Mapping[str, float], terms: int) -> list[str]:
    return [term for term, _ in heapq.nlargest(terms, vector.items(), key=lambda item: item[1])]


def truncate(vector: Mapping[str, float], terms: int) -> Vector:
    """A vector's strongest terms, renormalised: scoring cost stays bounded, quality barely moves."""
    top = sorted(vector.items(), key=lambda item: -item[1])[:terms]
    norm = math.sqrt(sum(v * v for _, v in top)) or 1.0
    return {t: v / norm for t, v in top}


@dataclass
class Leaning:
    towards: list[str] = field(default_factory=list)
    away: list[str] = field(default_factory=list)


def leaning(profile: Profile, vectors: Mapping[str, Vector], count: int = 6) -> Leaning:
    """The words the channel leans towards and away from (single words read better than pairs)."""
    single = [(t, v) for t, v in centroid(profile, vectors).items() if " " not in t]
    towards = [t for t, v in sorted(single, key=lambda item: -item[1]) if v > 0][:count]
    away = [t for t, v in sorted(single, key=lambda item: item[1]) if v < 0][:count]
    return Leaning(towards, away)
