"""Search: a prepared query (bot.query_prep), candidates (bot.candidates), re-ranked by how strongly each
paper's own words cover the query (bot.evidence) with bot.ranking, then pseudo-relevance feedback."""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sqlite_utils

from paperbot.bot import evidence, ranking
from paperbot.bot.candidates import Scope, candidates
from paperbot.bot.models import Paper
from paperbot.bot.query import (
    STOPWORDS,
    Concept,
    ParsedQuery,
    quote,
    to_fts,
    tokens,
)
from paperbot.bot.query_prep import phrase_variants, prepare
from paperbot.bot.semantic import Ranked, Semantic, failure
from paperbot.storage import papers as paper_store
from paperbot.storage import search_index

logger = logging.getLogger(__name__)

FEEDBACK_DOCS = 5
FEEDBACK_MIN_DOCS = 3
FEEDBACK_TERMS = 3
W_FEEDBACK = 0.3
FEEDBACK_PAGE = 10
EVIDENCE_DEPTH = 40  # candidates whose text evidence reads; the rest keep the candidates' order below them
DF_CAP = 5000  # document frequencies are counted this far
# A concept counts for coverage by how strongly the paper writes it: half for being there at all, the rest
# by its evidence strength (title, keywords, repeated mentions). One passing mention in an abstract is not
# the same as the paper's subject. Measured with bench/search_quality.py: 1.0 (present = covered) 0.825,
# 0.7 0.837, 0.5 0.840, 0.3 0.839 on the real set; the seed set moves less than 0.005.
COVERAGE_FLOOR = 0.5


@dataclass(frozen=True)
class SearchHit:
    paper: Paper
    score: float
    matched: tuple[str, ...]
    related: bool = False  # found by meaning alone (bot.semantic), after every paper holding the words


@dataclass
class SearchResult:
    text: str
    hits: list[SearchHit]
    total: int  # candidates considered (an upper bound on the results available)
    corrections: dict[str, str] = field(default_factory=dict)
    expansions: dict[str, list[str]] = field(default_factory=dict)


def _concept_shares(query: ParsedQuery) -> list[float]:
    """Each concept's share of "covers the query": typed concepts share 1 equally (BM25 already weighs
    rare words up; weighing coverage by rarity too measured worse), feedback concepts add a little."""
    typed = sum(1 for c in query.concepts if c.weight == 1.0) or 1
    return [1 / typed if c.weight == 1.0 else c.weight for c in query.concepts]


def _acronyms(concepts: Sequence[Concept]) -> list[str]:
    """Words the query knows as acronyms: alternatives from the alias table, and a typed word that has a
    long form ("lora" -> "low rank adaptation")."""
    known = {p[0] for c in concepts for p in c.phrases[1:] if len(p) == 1}
    known |= {
        c.phrases[0][0] for c in concepts if len(c.phrases[0]) == 1 and any(len(p) > 1 for p in c.phrases)
    }
    return sorted(known)


def topic_of(query: ParsedQuery) -> evidence.Topic:
    """The query as bot.evidence reads papers for it: typed concepts, known acronyms, whole-phrase forms."""
    typed = [c for c in query.concepts if c.weight == 1.0]
    shared = set(typed[0].phrases).intersection(*(c.phrases for c in typed[1:])) if len(typed) > 1 else set()
    phrases = [*phrase_variants(query), *sorted(shared)]
    return evidence.make_topic([c.phrases for c in typed], _acronyms(typed), phrases, _heads(query, typed))


def _heads(query: ParsedQuery, typed: Sequence[Concept]) -> list[frozenset[str] | None]:
    """Per typed concept, the word typed right after it and that word's other forms (None for the last
    word): inside a paper's hyphenated compound the concept only counts before one of them."""
    heads: list[frozenset[str] | None] = []
    for concept in typed:
        first = concept.phrases[0]
        at = query.typed.index(first[0]) + len(first) if len(first) == 1 and first[0] in query.typed else None
        if at is None or at >= len(query.typed):
            heads.append(None)
            continue
        word = query.typed[at]
        forms = {word}
        forms |= {p[0] for c in typed if c.phrases[0] == (word,) for p in c.phrases}
        heads.append(frozenset(evidence.variant(w) for w in forms))
    return heads


def _docs(db: sqlite_utils.Database, pks: Sequence[int]) -> dict[int, evidence.Doc]:
    return {pk: evidence.Doc.of(*text) for pk, text in search_index.evidence_texts(db, pks).items()}


def strengths(
    db: sqlite_utils.Database, query: ParsedQuery, pks: Sequence[int]
) -> dict[int, evidence.Strength]:
    topic = topic_of(query)
    return {pk: evidence.strength(doc, topic) for pk, doc in _docs(db, pks).items()}


def _score(db: sqlite_utils.Database, query: ParsedQuery, candidates: list[tuple[int, float]]) -> Ranked:
    """Re-rank FTS candidates by how much of the query each covers, where, and how popular it is.

    Coverage, title, phrase and labels come from the candidates' own words (bot.evidence), read once:
    no further FTS queries, so the cost is the candidates' text, whatever the archive's size.
    """
    pks = [pk for pk, _ in candidates]
    docs = _docs(db, pks[:EVIDENCE_DEPTH])
    topic = topic_of(query)
    shares = _concept_shares(query)
    typed = [(c, share) for c, share in zip(query.concepts, shares, strict=True) if c.weight == 1.0]
    known = frozenset(_acronyms(query.concepts))
    added = [
        (evidence.Forms.of(c.phrases, known), share)
        for c, share in zip(query.concepts, shares, strict=True)
        if c.weight != 1.0
    ]
    empty = evidence.Doc.of("", "", "")
    unread = evidence.Strength(0.0, 0.0, False, (0.0,) * len(topic.concepts), (False,) * len(topic.concepts))
    found = {pk: evidence.strength(docs[pk], topic) if pk in docs else unread for pk in pks}
    labels: dict[int, tuple[str, ...]] = {}
    signals = search_index.paper_signals(db, pks)
    features = []
    for pk, lexical in candidates:
        doc, seen = docs.get(pk, empty), found[pk]
        present = [
            (c, share, s, t) for (c, share), s, t in zip(typed, seen.concepts, seen.in_title, strict=True)
        ]
        labels[pk] = tuple(c.label for c, _, hit, _ in present if hit > 0)
        features.append(
            ranking.Features(
                pk=pk,
                bm25=lexical,
                coverage=sum(_credit(hit) * share for _, share, hit, _ in present if hit > 0)
                + sum(share for forms, share in added if evidence.present(doc, forms)),
                title_coverage=sum(share for _, share, _, titled in present if titled),
                phrase=seen.phrase,
                strength=seen.score,
                upvotes=signals[pk][0],
                comments=signals[pk][1],
                stars=signals[pk][2],
                published_at=signals[pk][3],
            )
        )
    newest = search_index.newest_published(db)
    scores = ranking.relevance(features, ranking.as_date(newest))
    read = {pk: score for pk, score in scores.items() if pk in docs}
    ordered = ranking.order(read, {pk: float(signals[pk][0]) for pk in pks})
    # Candidates whose text was not read keep the candidates' order below the read ones: full coverage
    # before partial, each by BM25 (their own scores lack the evidence, so a paper repeating one word
    # would pass one holding every word).
    rest = [pk for pk in pks if pk not in docs]
    floor = min(read.values(), default=1.0)
    below = {pk: round(floor * (len(rest) - i) / (len(rest) + 1), 6) for i, pk in enumerate(rest)}
    return [(pk, read[pk], labels[pk]) for pk in ordered] + [(pk, below[pk], labels[pk]) for pk in rest]


def _credit(strength: float) -> float:
    return COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * strength


def _feedback_terms(db: sqlite_utils.Database, query: ParsedQuery, ranked: Ranked) -> list[str]:
    """Pseudo-relevance feedback: rare words shared by the titles and keywords of the best first-pass hits.

    "expert routing" finds papers on mixture-of-experts; their titles share "moe" and "mixture", which
    then also reach the MoE papers that never say "routing". Added terms carry little weight, so they
    order the tail and never outrank papers matching what was typed.
    """
    top = [pk for pk, _, labels in ranked[:FEEDBACK_DOCS] if labels]
    if len(top) < FEEDBACK_MIN_DOCS:
        return []
    typed = {t for c in query.concepts for p in c.phrases for t in p}
    counts: Counter[str] = Counter()
    for text in search_index.titles_and_keywords(db, top):
        counts.update({t for t in tokens(text) if _usable(t, typed)})
    total = max(paper_store.paper_count(db), 1)
    scored = []
    for term, seen in counts.items():
        if seen < 2:
            continue
        df = search_index.fts_count(db, quote((term,)), cap=DF_CAP)
        if 0 < df < min(total / 3, DF_CAP):  # rare enough to say something (and to look up cheaply)
            scored.append((seen * math.log(total / df), term))
    return [term for _, term in sorted(scored, reverse=True)[:FEEDBACK_TERMS]]


def _usable(term: str, typed: set[str]) -> bool:
    if len(term) < 3 or term.isdigit() or term in STOPWORDS:
        return False
    # Inflections of a typed word add nothing ("experts" for "expert").
    return not any(term[:5] == word[:5] for word in typed)


def rank(
    db: sqlite_utils.Database,
    query: ParsedQuery,
    *,
    within: Sequence[int] | None = None,
    depth: int = 200,
    feedback: bool = True,
) -> Ranked:
    """(pk, score, matched concept labels), best first."""
    return _rank(db, query, within, depth, feedback)[0]


def _rank(
    db: sqlite_utils.Database,
    query: ParsedQuery,
    within: Sequence[int] | None,
    depth: int,
    feedback: bool,
) -> tuple[Ranked, frozenset[int]]:
    """The ranking, and which of its papers hold the typed words (the rest came in through feedback)."""
    scope = Scope.of(within) if within is not None else None
    if scope is not None and not scope.allowed:
        return [], frozenset()
    excluded = set(query.excluded)
    if any(c.weight == 1.0 and set(c.phrases) <= excluded for c in query.concepts):
        return [], frozenset()  # `model -model`: nothing can match; FTS5 would walk both doclists to see it
    found, complete = candidates(db, query, scope, depth)
    if not found:
        return [], frozenset()
    ranked = _score(db, query, found)
    words = frozenset(pk for pk, _ in found)
    # Feedback helps queries short of good matches: not one with more matches than its windows hold, nor
    # one whose first page already covers every typed concept.
    typed = sum(1 for c in query.concepts if c.weight == 1.0)
    covered = sum(1 for _, _, labels in ranked[:FEEDBACK_PAGE] if len(labels) == typed)
    terms = _feedback_terms(db, query, ranked) if feedback and complete and covered < FEEDBACK_PAGE else []
    if not terms:
        return ranked, words
    share = W_FEEDBACK / len(terms)
    expanded = ParsedQuery(
        concepts=[*query.concepts, *(Concept(t, [(t,)], weight=share) for t in terms)],
        excluded=query.excluded,
        authors=query.authors,
        typed=query.typed,
    )
    found, _ = candidates(db, expanded, scope, depth)
    return _score(db, expanded, found), words


def _excluding(db: sqlite_utils.Database, query: ParsedQuery) -> Callable[[set[int]], set[int]]:
    """Which of some papers hold a word the query excludes (`-robotics`)."""
    expression = " OR ".join(quote(p) for p in query.excluded)

    def holding(pks: set[int]) -> set[int]:
        return Scope.of(sorted(pks)).ids(db, expression) if expression and pks else set()

    return holding


@dataclass(frozen=True)
class TopicRanking:
    """A topic over some papers (pk -> search relevance), no feedback expansion.

    `matches`: the papers really about the topic: they cover every concept with evidence strength at least
    bot.evidence.MATCH_THRESHOLD. `near`: the others sharing some of its words, never to be called a match.
    """

    matches: dict[int, float]
    near: dict[int, float]


def topic_ranking(db: sqlite_utils.Database, query: ParsedQuery, within: Sequence[int]) -> TopicRanking:
    ranked = rank(db, query, within=within, depth=len(within), feedback=False)
    # Only a paper the index finds holding every concept can match (the evidence reads stricter than the
    # index's stemmer), so only those are read: most candidates share one word of a many-word topic.
    whole = Scope.of(within).ids(db, to_fts(query, require_all=True))
    strong = strengths(db, query, [pk for pk, _, _ in ranked if pk in whole])
    matches = {pk: score for pk, score, _ in ranked if pk in strong and strong[pk].matches}
    return TopicRanking(matches, {pk: score for pk, score, _ in ranked if pk not in matches})


def search(
    db: sqlite_utils.Database,
    text: str,
    *,
    limit: int = 10,
    offset: int = 0,
    within: Sequence[int] | None = None,
    feedback: bool = True,
    semantic: Semantic | None = None,
) -> SearchResult:
    """Ranked papers for user text. Raises bot.query.QueryError for text with nothing to search.

    With `semantic`, the best candidates are re-ordered by meaning too, and related papers follow them
    when they are few (not in a search limited by `within` or by author, whose rules words decide).
    """
    query, corrections = prepare(db, text)
    ranked, words = _rank(db, query, within, max(200, (offset + limit) * 4), feedback)
    related: frozenset[int] = frozenset()
    if semantic is not None and within is None:
        # Meaning is read from the words as typed, before any typo correction ("robotaxi", not "robotic").
        excluding = None if query.authors else _excluding(db, query)
        try:
            ranked, related = semantic.rerank(db, " ".join(query.typed), ranked, words, excluding)
        except (
            Exception
        ) as exc:  # an optional model that fails (damaged files, out of memory) never fails search
            logger.error("semantic search failed, answering by words alone: %s", failure(exc))
    page = ranked[offset : offset + limit]
    papers = paper_store.get_papers_by_pk(db, [pk for pk, _, _ in page])
    hits = [SearchHit(papers[pk], score, labels, pk in related) for pk, score, labels in page if pk in papers]
    expansions = {c.label: [" ".join(p) for p in c.phrases[1:]] for c in query.concepts if len(c.phrases) > 1}
    logger.debug("search %r -> %s", text, to_fts(query))
    return SearchResult(text, hits, len(ranked), corrections, expansions)
