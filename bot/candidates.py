"""Candidates for a search: which papers are worth scoring, found with bounded work whatever the archive's
size. Papers covering every concept come first (all of them, or the FULL_CAP stored most recently), then
titles holding the topic as a phrase, then papers covering part of it; each window is ranked by BM25 the
cheaper way: FTS5's bm25() (which counts every word over the whole index first) or bot.bm25 over the
candidates' own text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from paperbot.bot import bm25
from paperbot.bot.query import (
    STOPWORDS,
    ParsedQuery,
    Phrase,
    any_expr,
    quote,
    restrict,
    title_spellings,
    title_words_expr,
    to_fts,
    words_of,
)
from paperbot.storage import search_index, title_pairs

CAP = 300  # papers covering part of the query: each concept's newest, CAP in all, BM25-ranked
MIN_SHARE = 30  # ... but at least this many of each concept's
FULL_CAP = 300  # papers covering the whole query: BM25-ranked among all, or the FULL_CAP newest when more
TITLE_DEPTH = 40  # the newest titles holding the topic as a phrase, always considered
# What each way of ranking candidates by BM25 costs (measured with bench/search_speed.py --profile on the
# real-text archives): FTS5's bm25() first counts every word's papers over the whole index, ~35 ns a paper;
# bot.bm25 reads each candidate's text, ~12 µs a paper plus ~2.3 µs a paper for each word it counts.
FTS_BM25_PER_PAPER = 35e-9
TEXT_BM25_PER_CANDIDATE = 12e-6
TEXT_BM25_PER_CANDIDATE_WORD = 2.3e-6
RANGE_GAP = 2000  # rowids further apart than this are looked up as separate ranges


@dataclass(frozen=True)
class Scope:
    """Where to look: rowid ranges (cheap for FTS5 to narrow to), and optionally the exact rows allowed."""

    ranges: tuple[search_index.Range, ...] = search_index.EVERYTHING
    allowed: frozenset[int] | None = None

    @classmethod
    def of(cls, pks: Sequence[int]) -> Scope:
        """The rows `pks`, as few tight ranges (a day's papers sit close together, old ones apart)."""
        ordered = sorted(set(pks))
        ranges: list[search_index.Range] = []
        for pk in ordered:
            if ranges and ranges[-1][1] is not None and pk - ranges[-1][1] <= RANGE_GAP:
                ranges[-1] = (ranges[-1][0], pk)
            else:
                ranges.append((pk, pk))
        return cls(tuple(ranges), frozenset(ordered))

    def ids(self, db: sqlite_utils.Database, expression: str) -> set[int]:
        found = set(search_index.fts_ids(db, expression, self.ranges))
        return found & self.allowed if self.allowed is not None else found


def _terms(db: sqlite_utils.Database, query: ParsedQuery) -> bm25.Terms:
    """The query's words for BM25, each with its share of papers estimated over a bounded sample."""
    words = sorted({w for c in query.concepts for p in c.phrases for w in p if w not in STOPWORDS})
    shares, total = search_index.doc_shares(db, {w: quote((w,)) for w in words})
    return bm25.Terms.of(shares, total)


def _best(
    db: sqlite_utils.Database, expression: str, depth: int, cap: int, terms: bm25.Terms
) -> tuple[list[tuple[int, float]], bool]:
    """The best `depth` matches of `expression` by BM25 among all of them when fewer than `cap` match,
    else among the newest `cap`: one walk of the index by rowid, which stops after `cap` matches, then
    BM25 over those. Returns the rows and whether every match was considered."""
    ids = search_index.fts_ids(db, expression, newest=cap)
    complete = len(ids) < cap
    ranges = search_index.EVERYTHING if complete or not ids else ((min(ids), None),)
    return _ranked(db, expression, ids, ranges, depth, terms), complete


def _ranked(
    db: sqlite_utils.Database,
    expression: str,
    ids: Sequence[int],
    ranges: Sequence[search_index.Range],
    depth: int,
    terms: bm25.Terms,
) -> list[tuple[int, float]]:
    """The best `depth` of `ids` (what `expression` matches within `ranges`, maybe more) by BM25, the
    cheaper way: FTS5's own bm25() when the papers it counts first are few (rare words, a small archive;
    it counts them again for each range), else bot.bm25 over the candidates' text, whose cost does not
    grow with the archive."""
    words = sum(len(alternatives) for alternatives in terms.prefixes)
    text_cost = len(ids) * (TEXT_BM25_PER_CANDIDATE + TEXT_BM25_PER_CANDIDATE_WORD * words)
    if len(ranges) * terms.papers * FTS_BM25_PER_PAPER <= text_cost:
        allowed = set(ids)
        ranked = search_index.fts_ranked(db, expression, None, ranges)
        return [row for row in ranked if row[0] in allowed][:depth]
    return bm25.best(bm25.scores(search_index.evidence_texts(db, ids), terms), depth)


def candidates(
    db: sqlite_utils.Database, query: ParsedQuery, scope: Scope | None, depth: int
) -> tuple[list[tuple[int, float]], bool]:
    """The best `depth` rows and whether every match was considered.

    Papers covering every typed concept come first, ranked by BM25 among all of them when fewer than
    FULL_CAP do, so "reward model" keeps its best paper whatever else the archive holds. When more do (a
    query of everyday words in a big archive), they are ranked among the newest FULL_CAP of them: an
    explicit recency window. Papers covering part of the query fill the remaining places: each concept's
    newest, ranked together.
    """
    terms = _terms(db, query)
    expression = to_fts(query)
    if scope is not None:
        return fts_in_scope(db, expression, scope, terms)[:depth], True
    full_expr = to_fts(query, require_all=True)
    found, complete = _best(db, full_expr, depth, FULL_CAP, terms)
    # When the full-coverage window is full, the newest titles holding the topic as a phrase come first:
    # the window must not hide "The Flip Side of RLHF: ... Reward Model ..." from "reward model" because
    # thousands of newer abstracts mention both words. (When it is not full they are among its papers.)
    titled = [] if complete else _titled(db, title_spellings(query))
    if titled:
        score = dict(found)
        top = max(score.values(), default=0.0)
        found = [(pk, score.get(pk, top)) for pk in titled] + [
            row for row in found if row[0] not in set(titled)
        ]
    if len(found) < depth and full_expr != expression:
        partial, whole = _partial(db, query, depth, terms)
        have = {pk for pk, _ in found}
        found += [row for row in partial if row[0] not in have][: depth - len(found)]
        complete = complete and whole
    return found, complete


def _partial(
    db: sqlite_utils.Database, query: ParsedQuery, depth: int, terms: bm25.Terms
) -> tuple[list[tuple[int, float]], bool]:
    """Papers covering part of the query: each concept's newest papers (an equal share of CAP), ranked
    together by BM25, so the papers of a rare word are not crowded out by newer ones holding only a
    common word ("companion agents"). Returns the rows and whether every match was considered."""
    share = max(CAP // len(query.concepts), MIN_SHARE)
    ids: set[int] = set()
    complete = True
    for concept in query.concepts:
        found = search_index.fts_ids(db, restrict(any_expr(concept), query), newest=share)
        ids.update(found)
        complete = complete and len(found) < share
    union = sorted(ids)
    return _ranked(db, to_fts(query), union, Scope.of(union).ranges, depth, terms), complete


def _titled(db: sqlite_utils.Database, spellings: Sequence[Phrase]) -> list[int]:
    """The newest TITLE_DEPTH papers whose title holds one of the spellings: one-word ones from the slim
    title index, longer ones from the title-pairs index, then checked as phrases in the titles."""
    words = [p[0] for p in spellings if len(p) == 1]
    phrases = [p for p in spellings if len(p) > 1]
    found = search_index.title_newest(db, title_words_expr(words), TITLE_DEPTH) if words else []
    if phrases:
        titles = search_index.titles(db, title_pairs.newest(db, phrases, TITLE_DEPTH))
        found += [pk for pk, title in titles.items() if _holds(words_of(title), phrases)]
    return sorted(set(found), reverse=True)[:TITLE_DEPTH]


def _holds(words: Phrase, phrases: Sequence[Phrase]) -> bool:
    return any(words[i : i + len(p)] == p for p in phrases for i in range(len(words) - len(p) + 1))


def fts_in_scope(
    db: sqlite_utils.Database, expression: str, scope: Scope, terms: bm25.Terms
) -> list[tuple[int, float]]:
    ids = sorted(scope.ids(db, expression), reverse=True)
    return _ranked(db, expression, ids, scope.ranges, len(ids), terms)
