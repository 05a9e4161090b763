"""Applies a channel's taste to a digest's pool: reads votes and paper texts from storage, scores with
bot/taste.py, and hands DigestBuilder a TasteView. Runs where the digest is built (a Lane's worker thread).

Paper vectors and the term rarities they use are computed once per scorer (one delivery pass, or one
preview), so a fan-out to thousands of channels pays per channel only for that channel's votes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

import sqlite_utils

from paperbot.bot import taste, taste_markers
from paperbot.bot.digest import DigestBuilder
from paperbot.bot.models import ChannelRef
from paperbot.bot.query import QueryError, parse
from paperbot.bot.taste_blend import EXPLORE_UNTIL_LIKED, LIKE_THRESHOLD, TasteView, normalise
from paperbot.storage import votes as vote_store

logger = logging.getLogger(__name__)

IDF_PAPERS = 2000  # term rarity is measured on the newest papers stored (~0.5 s, once per pass)
VECTOR_TERMS = 60  # each paper keeps its strongest terms (bench/taste.py: quality unchanged, scoring bounded)
# Markers are read from each paper's strongest terms. bench/taste.py, 4 x 600 channels: taste only is the
# same with 100 to all of them; topics + taste 0.922 with 120, 0.929 with 150 or more. Counting fewer keeps
# the 10,000-channel selection at ~7 s (~8 s with all).
MARKER_TERMS = 150

MIN_SIMILARITY = 0.005
SEEN_PAPERS = 100  # the newest cards a channel was sent count as weak 👎 when nobody voted on them
VotesOf = Callable[[ChannelRef], Sequence[taste.Vote]]
SeenOf = Callable[[ChannelRef], Sequence[str]]


def _terms(text: vote_store.PaperText) -> dict[str, float]:
    return taste.paper_terms(text.title, text.summary, text.keywords, text.ai_summary)


class TasteScorer:
    def __init__(
        self, db: sqlite_utils.Database, votes_of: VotesOf | None = None, seen_of: SeenOf | None = None
    ) -> None:
        self.db = db
        self.votes_of = votes_of or self._stored_votes
        self.seen_of = seen_of or (lambda ref: vote_store.recent_sent(db, ref, SEEN_PAPERS))
        self._idf: dict[str, float] | None = None
        self._vectors: dict[str, taste.Vector] = {}
        self._titles: dict[str, str] = {}
        self._book: taste_markers.TermBook | None = None  # papers' terms, for markers
        self._indexes: dict[tuple[str, ...], taste.Index] = {}
        self._pool_sims: dict[tuple[str, ...], dict[str, dict[str, float]]] = {}
        self._topic_sims: dict[tuple[tuple[str, ...], tuple[str, ...]], dict[str, float]] = {}
        # Every paper vectorized so far, as postings, and each paper's close neighbours among them: which
        # liked papers form one area is read from these, shared by every channel of the pass.
        self._every = taste.Index((), defaultdict(list))
        self._close: dict[str, frozenset[str]] = {}

    def _stored_votes(self, ref: ChannelRef) -> list[taste.Vote]:
        return [taste.Vote(v.paper_id, v.user, v.value) for v in vote_store.channel_votes(self.db, ref)]

    def vectors(self, paper_ids: Sequence[str]) -> dict[str, taste.Vector]:
        if self._idf is None:
            recent = vote_store.recent_texts(self.db, IDF_PAPERS)
            self._idf, _ = taste.idf((_terms(t) for t in recent), min_df=taste.MIN_DF)
            # Subjects come from Hugging Face's keywords; an archive without any (arXiv only) uses titles.
            keyworded = [t for t in recent if t.keywords]
            named = (
                (taste.paper_terms("", "", t.keywords) for t in keyworded)
                if keyworded
                else (taste.paper_terms(t.title, "") for t in recent)
            )
            self._book = taste_markers.TermBook(self._idf, taste_markers.subjects(named))
        missing = [p for p in paper_ids if p not in self._vectors]
        if missing:
            for text in vote_store.texts_by_id(self.db, missing).values():
                weighted = taste.vectorize(_terms(text), self._idf, 0.0)
                vector = taste.truncate(weighted, VECTOR_TERMS)
                self._vectors[text.paper_id] = vector
                self.book.add(text.paper_id, taste.strongest(weighted, MARKER_TERMS))
                self._titles[text.paper_id] = text.title
                for term, value in vector.items():
                    self._every.postings[term].append((text.paper_id, value))
        return {p: self._vectors[p] for p in paper_ids if p in self._vectors}

    def profile(self, ref: ChannelRef, *, by_area: bool = True) -> taste.Profile:
        """The channel's profile; `by_area` balances its liked areas (taste.area_shares). A channel with
        topics is not balanced: its topics already pull towards each of its interests (bench/taste.py:
        balancing there cost topics + taste 0.4-0.7 points)."""
        votes = self.votes_of(ref)
        if not votes:
            return taste.learn((), ())
        seen = self.seen_of(ref)
        vectors = self.vectors([v.paper_id for v in votes] + list(seen))
        return taste.learn(votes, vectors, seen=seen, neighbours=self._neighbours if by_area else None)

    @property
    def book(self) -> taste_markers.TermBook:
        self.vectors([])
        assert self._book is not None
        return self._book

    def markers(self, profile: taste.Profile, ids: tuple[str, ...] | None = None) -> dict[int, float]:
        """The channel's markers (bot/taste_markers.py); with a pool, among the terms its candidates carry.
        The papers must be vectorized (profile() and the pool's index do it)."""
        liked = [paper for paper, _, _ in profile.liked]
        rejected = [paper for paper, coefficient in profile.coefficients.items() if coefficient < 0]
        return self.book.markers(liked, rejected, ids)

    def _neighbours(self, paper: str) -> frozenset[str]:
        """The papers vectorized so far that are one area with `paper` (cosine >= AREA_LINK). A paper
        vectorized later is missing here but lists `paper` itself: areas() links either way round."""
        if paper not in self._close:
            sims = taste.similarities(self._vectors.get(paper, {}), self._every)
            self._close[paper] = frozenset(p for p, v in sims.items() if v >= taste.AREA_LINK and p != paper)
        return self._close[paper]

    def query(self, topics: Sequence[str]) -> taste.Vector | None:
        """The followed topics' words (not their exclusions) as a vector in the papers' space."""
        words = []
        for topic in topics:
            try:
                words += [" ".join(c.label for c in parse(topic).concepts)]
            except QueryError:
                continue
        if not words:
            return None
        self.vectors([])
        assert self._idf is not None
        return taste.vectorize(taste.paper_terms(" ; ".join(words), ""), self._idf, 0.0)

    def title(self, paper_id: str) -> str:
        self.vectors([paper_id])
        return self._titles.get(paper_id, paper_id)

    def _index(self, ids: tuple[str, ...]) -> taste.Index:
        if ids not in self._indexes:
            self._indexes[ids] = taste.index(self.vectors(list(ids)))
        return self._indexes[ids]

    def _sims(self, ids: tuple[str, ...]) -> taste.Similarities:
        """Each paper's similarities to the pool, computed once per pool whichever channels voted on it."""
        cache = self._pool_sims.setdefault(ids, {})
        candidates = self._index(ids)

        def sims_of(paper: str) -> dict[str, float]:
            if paper not in cache:
                vector = self.vectors([paper]).get(paper, {})
                sims = taste.similarities(vector, candidates)
                # Near-zero similarities move no ranking; dropping them saves work (0.01 and up cost quality: bench).
                cache[paper] = {p: v for p, v in sims.items() if v >= MIN_SIMILARITY}
            return cache[paper]

        return sims_of

    def _query_sims(self, ids: tuple[str, ...], topics: Sequence[str]) -> dict[str, float]:
        key = (ids, tuple(sorted(topics)))
        if key not in self._topic_sims:
            query = self.query(topics)
            self._topic_sims[key] = taste.similarities(query, self._index(ids)) if query else {}
        return self._topic_sims[key]

    def __call__(self, ref: ChannelRef, pk_of: Mapping[str, int], topics: Sequence[str]) -> TasteView | None:
        """The channel's taste over a pool (arXiv id -> pk), or None when it has not voted yet."""
        profile = self.profile(ref, by_area=not topics)
        if profile.up + profile.down == 0:
            return None
        ids = tuple(sorted(pk_of))
        # Until the channel has liked a few papers, it has seen too little of the day's range to know what
        # it is missing: some cards go to papers unlike anything it was shown (bot/taste_blend.py).
        exploring = len(profile.liked) < EXPLORE_UNTIL_LIKED and not topics
        scored = taste.score_all(
            profile, ids, self._sims(ids), self._query_sims(ids, topics), familiar=exploring
        )
        ups = {paper: count for paper, _, count in profile.liked}
        like = {
            pk_of[paper]: (self._titles.get(s.nearest, s.nearest), ups.get(s.nearest, 0))
            for paper, s in scored.items()
            if s.nearest is not None and s.similarity >= LIKE_THRESHOLD
        }
        weights = self.markers(profile, ids)
        marks = self.book.marked(weights, ids)
        best = max(marks.values(), default=0.0)
        # What a card can name on its label: the markers of the papers they lifted much.
        telling = self.book.telling(weights)
        carries = {
            pk_of[paper]: found
            for paper, score in marks.items()
            if score >= taste_markers.LABEL_SHARE * best and (found := self.book.carried(telling, paper))
        }
        blended = taste_markers.with_markers({paper: s.score for paper, s in scored.items()}, marks)
        scores = normalise({pk_of[paper]: value for paper, value in blended.items()})
        # A paper the channel already liked was seen: taste never offers it again. (A 👎 only lowers a
        # paper: one member pressing 👎 must not be able to hide it from everyone.)
        liked = {pk_of[p] for p, _, _ in profile.liked if p in pk_of}
        novelty = (
            {pk_of[paper]: 1.0 - min(1.0, s.familiar) for paper, s in scored.items()} if exploring else {}
        )
        return TasteView(scores, like, frozenset(liked), novelty, len(profile.liked), carries)


def tasted_builder(db: sqlite_utils.Database) -> DigestBuilder:
    """A DigestBuilder whose digests learn from each channel's votes (one per delivery pass)."""
    return DigestBuilder(db, taste=TasteScorer(db))
