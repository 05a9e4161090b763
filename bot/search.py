"""Search: parse, expand acronyms and typos, fetch candidates from FTS5, re-rank with bot.ranking."""

from __future__ import annotations

import difflib
import logging
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlite_utils

from paperbot.bot import ranking
from paperbot.bot.aliases import normalize_long
from paperbot.bot.models import Paper
from paperbot.bot.query import (
    STOPWORDS,
    Concept,
    ParsedQuery,
    Phrase,
    concept_expr,
    loose_expr,
    parse,
    quote,
    restrict,
    to_fts,
    tokens,
)
from paperbot.storage import aliases as alias_store
from paperbot.storage import papers as paper_store

logger = logging.getLogger(__name__)

MIN_TYPO_LEN = 5
LOOSE_CREDIT = 0.5  # a compound's words present but not side by side
FEEDBACK_DOCS = 5
FEEDBACK_MIN_DOCS = 3
FEEDBACK_TERMS = 3
W_FEEDBACK = 0.3
CAP = 300  # rank every match below this many; above it, only the newest CAP
DF_CAP = 5000  # document frequencies are counted this far
RANGE_GAP = 2000  # rowids further apart than this are looked up as separate ranges
MAX_PHRASES = 3  # each phrase costs position-list reads over the whole scope
MAX_LONG_FORM = 6


@dataclass(frozen=True)
class SearchHit:
    paper: Paper
    score: float
    matched: tuple[str, ...]


@dataclass
class SearchResult:
    text: str
    hits: list[SearchHit]
    total: int  # candidates considered (an upper bound on the results available)
    corrections: dict[str, str] = field(default_factory=dict)
    expansions: dict[str, list[str]] = field(default_factory=dict)


def _drop_stopwords(query: ParsedQuery) -> None:
    kept = [c for c in query.concepts if not (len(c.phrases[0]) == 1 and c.phrases[0][0] in STOPWORDS)]
    if kept:
        query.concepts = kept


def _expand_aliases(db: sqlite_utils.Database, query: ParsedQuery, original: list[Phrase]) -> None:
    """Acronym <-> long form, so "moe" finds "mixture-of-experts" and "mixture of experts" finds "MoE"."""
    for concept in query.concepts:
        first = concept.phrases[0]
        if len(first) == 1:
            word = first[0]
            forms = alias_store.long_forms(db, word)
            if not forms and len(word) > 3 and word.endswith("s"):  # "ssms", "llms"
                forms = alias_store.long_forms(db, word[:-1])
            for long in forms:
                concept.add(tuple(long.split()))
        else:
            for short in alias_store.short_forms(db, normalize_long(" ".join(first))):
                concept.add((short,))
    # A long form typed out word by word ("mixture of experts", "key value cache"): give each of its words
    # the acronym as an alternative, so a paper that only says "MoE" still covers every word.
    words = [p[0] for p in original if len(p) == 1]
    for size in range(min(MAX_LONG_FORM, len(words)), 1, -1):
        for start in range(len(words) - size + 1):
            span = words[start : start + size]
            shorts = alias_store.short_forms(db, normalize_long(" ".join(span)))
            if not shorts:
                continue
            for concept in query.concepts:
                if len(concept.phrases[0]) == 1 and concept.phrases[0][0] in span:
                    for short in shorts:
                        concept.add((short,))


def _correct_typos(db: sqlite_utils.Database, query: ParsedQuery) -> dict[str, str]:
    """A word no paper contains is swapped for the closest indexed word, if one is close enough."""
    fixed: dict[str, str] = {}
    for concept in query.concepts:
        if len(concept.phrases) != 1 or len(concept.phrases[0]) != 1:
            continue
        word = concept.phrases[0][0]
        if len(word) < MIN_TYPO_LEN or word.isdigit() or paper_store.fts_has(db, quote((word,))):
            continue
        vocab = paper_store.title_words(db, word[:2])
        close = difflib.get_close_matches(word, [t for t, _ in vocab], n=3, cutoff=0.8)
        if close:
            counts = dict(vocab)
            best = max(close, key=lambda t: (difflib.SequenceMatcher(None, word, t).ratio(), counts[t]))
            concept.add((best,))
            fixed[word] = best
    return fixed


def _phrase_variants(query: ParsedQuery) -> list[Phrase]:
    """The typed words as one phrase ("mixture of experts"), and with one word's alternative swapped in
    ("key value cache" for "kv cache")."""
    if sum(1 for c in query.concepts if c.weight == 1.0) < 2:
        return []
    variants = [query.typed]
    for concept in query.concepts:
        word = concept.phrases[0]
        if concept.weight != 1.0 or len(word) != 1 or word[0] not in query.typed:
            continue
        at = query.typed.index(word[0])
        variants += [(*query.typed[:at], *alt, *query.typed[at + 1 :]) for alt in concept.phrases[1:]]
    return variants[:MAX_PHRASES]


def prepare(db: sqlite_utils.Database, text: str) -> tuple[ParsedQuery, dict[str, str]]:
    query = parse(text)
    original = [c.phrases[0] for c in query.concepts]
    _drop_stopwords(query)
    _expand_aliases(db, query, original)
    return query, _correct_typos(db, query)


Ranked = list[tuple[int, float, tuple[str, ...]]]


@dataclass(frozen=True)
class Scope:
    """Where to look: rowid ranges (cheap for FTS5 to narrow to), and optionally the exact rows allowed."""

    ranges: tuple[paper_store.Range, ...] = paper_store.EVERYTHING
    allowed: frozenset[int] | None = None

    @classmethod
    def of(cls, pks: Sequence[int]) -> Scope:
        """The rows `pks`, as few tight ranges (a day's papers sit close together, old ones apart)."""
        ordered = sorted(set(pks))
        ranges: list[paper_store.Range] = []
        for pk in ordered:
            if ranges and ranges[-1][1] is not None and pk - ranges[-1][1] <= RANGE_GAP:
                ranges[-1] = (ranges[-1][0], pk)
            else:
                ranges.append((pk, pk))
        return cls(tuple(ranges), frozenset(ordered))

    def ids(self, db: sqlite_utils.Database, expression: str) -> set[int]:
        found = set(paper_store.fts_ids(db, expression, self.ranges))
        return found & self.allowed if self.allowed is not None else found


def _concept_shares(query: ParsedQuery) -> list[float]:
    """Each concept's share of "covers the query": typed concepts share 1 equally (BM25 already weighs
    rare words up; weighing coverage by rarity too measured worse), feedback concepts add a little."""
    typed = sum(1 for c in query.concepts if c.weight == 1.0) or 1
    return [1 / typed if c.weight == 1.0 else c.weight for c in query.concepts]


def _score(
    db: sqlite_utils.Database, query: ParsedQuery, candidates: list[tuple[int, float]], scope: Scope
) -> Ranked:
    """Re-rank FTS candidates by how much of the query each covers, where, and how popular it is.

    Every feature is one FTS query over the candidates' scope, intersected here: FTS5 answers
    "MATCH x AND rowid IN (...)" by scanning, but narrows to rowid ranges for free.
    """
    pks = [pk for pk, _ in candidates]
    wanted = set(pks)
    scoped = Scope(scope.ranges, frozenset(wanted))

    def matching(expression: str) -> set[int]:
        return scoped.ids(db, restrict(expression, query))

    coverage: dict[int, float] = dict.fromkeys(pks, 0.0)
    in_title: dict[int, float] = dict.fromkeys(pks, 0.0)
    labels: dict[int, list[str]] = {pk: [] for pk in pks}
    shares = _concept_shares(query)
    for concept, share in zip(query.concepts, shares, strict=True):
        strict = matching(concept_expr(concept))
        loose_sql = loose_expr(concept)
        loose = matching(loose_sql) - strict if loose_sql else set()
        for pk in strict | loose:
            coverage[pk] += share * (1.0 if pk in strict else LOOSE_CREDIT)
            if concept.weight == 1.0:
                labels[pk].append(concept.label)
        if concept.weight == 1.0:
            for pk in matching(concept_expr(concept, "title")):
                in_title[pk] += share
    variants = _phrase_variants(query)
    phrased = matching(" OR ".join(quote(v) for v in variants)) if variants else set()
    signals = paper_store.paper_signals(db, pks)
    features = [
        ranking.Features(
            pk=pk,
            bm25=bm25,
            coverage=coverage[pk],
            title_coverage=in_title[pk],
            phrase=pk in phrased,
            upvotes=signals[pk][0],
            comments=signals[pk][1],
            stars=signals[pk][2],
            published_at=signals[pk][3],
        )
        for pk, bm25 in candidates
    ]
    newest = paper_store.newest_published(db)
    scores = ranking.relevance(features, ranking.as_date(newest))
    ordered = ranking.order(scores, {pk: float(signals[pk][0]) for pk in pks})
    return [(pk, scores[pk], tuple(labels[pk])) for pk in ordered]


def _candidates(
    db: sqlite_utils.Database, query: ParsedQuery, scope: Scope | None, depth: int
) -> tuple[list[tuple[int, float]], Scope, bool]:
    """The best `depth` rows by BM25, the scope they came from, and whether that scope was complete.

    With few matches (under CAP) every match is ranked. With many (a common word in a big archive)
    only the newest CAP of them are: those covering every typed word when enough do, else any.
    Each FTS query then costs about CAP rows, whatever the archive's size.
    """
    expression = to_fts(query)
    if scope is not None:
        found = fts_in_scope(db, expression, scope)
        return found[:depth], scope, True
    if paper_store.fts_count(db, expression, cap=CAP) < CAP:
        return paper_store.fts_ranked(db, expression, depth), Scope(), True
    # Many matches. FTS5's bm25() counts each phrase over the whole index, so it is not used here: the
    # newest CAP papers covering every typed word (or any, when fewer than `depth` do) are ranked by
    # coverage, title, phrase, popularity and recency alone.
    newest = paper_store.fts_ids(db, to_fts(query, require_all=True), newest=CAP)
    if len(newest) < depth:
        newest = paper_store.fts_ids(db, expression, newest=CAP)
    return [(pk, 0.0) for pk in newest], Scope(((min(newest), None),)), False


def fts_in_scope(db: sqlite_utils.Database, expression: str, scope: Scope) -> list[tuple[int, float]]:
    ranked = paper_store.fts_ranked(db, expression, None, scope.ranges)
    return [row for row in ranked if scope.allowed is None or row[0] in scope.allowed]


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
    for text in paper_store.titles_and_keywords(db, top):
        counts.update({t for t in tokens(text) if _usable(t, typed)})
    total = max(paper_store.paper_count(db), 1)
    scored = []
    for term, seen in counts.items():
        if seen < 2:
            continue
        df = paper_store.fts_count(db, quote((term,)), cap=DF_CAP)
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
    scope = Scope.of(within) if within is not None else None
    if scope is not None and not scope.allowed:
        return []
    candidates, searched, complete = _candidates(db, query, scope, depth)
    if not candidates:
        return []
    ranked = _score(db, query, candidates, searched)
    # Feedback helps queries short of good matches; a query with more matches than CAP has plenty.
    terms = _feedback_terms(db, query, ranked) if feedback and complete else []
    if not terms:
        return ranked
    share = W_FEEDBACK / len(terms)
    expanded = ParsedQuery(
        concepts=[*query.concepts, *(Concept(t, [(t,)], weight=share) for t in terms)],
        excluded=query.excluded,
        authors=query.authors,
    )
    candidates, searched, _ = _candidates(db, expanded, scope, depth)
    return _score(db, expanded, candidates, searched)


def search(
    db: sqlite_utils.Database,
    text: str,
    *,
    limit: int = 10,
    offset: int = 0,
    within: Sequence[int] | None = None,
    feedback: bool = True,
) -> SearchResult:
    """Ranked papers for user text. Raises bot.query.QueryError for text with nothing to search."""
    query, corrections = prepare(db, text)
    ranked = rank(db, query, within=within, depth=max(200, (offset + limit) * 4), feedback=feedback)
    page = ranked[offset : offset + limit]
    papers = paper_store.get_papers_by_pk(db, [pk for pk, _, _ in page])
    hits = [SearchHit(papers[pk], score, labels) for pk, score, labels in page if pk in papers]
    expansions = {c.label: [" ".join(p) for p in c.phrases[1:]] for c in query.concepts if len(c.phrases) > 1}
    logger.debug("search %r -> %s", text, to_fts(query))
    return SearchResult(text, hits, len(ranked), corrections, expansions)


def baseline_or(db: sqlite_utils.Database, text: str, limit: int = 10) -> list[str]:
    """Plain FTS5 BM25 over an OR of the query's words: the yardstick bench/search_quality.py compares with."""
    words = [w for c in parse(text).concepts for p in c.phrases for w in p]
    if not words:
        return []
    expression = " OR ".join(quote((w,)) for w in words)
    rows = paper_store.fts_ranked(db, expression, limit, weights=(1.0, 1.0, 1.0, 1.0))
    papers = paper_store.get_papers_by_pk(db, [pk for pk, _ in rows])
    return [papers[pk].id for pk, _ in rows if pk in papers]
