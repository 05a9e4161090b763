"""Build a channel's digest for a day: that day's list, minus what the channel saw, led by its topics.

A `DigestBuilder` keeps, per day, the list with its trending order and each topic's matches, so a
fan-out to thousands of channels ranks each shared topic once, not once per channel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import sqlite_utils

from paperbot.bot import ranking
from paperbot.bot.cards import to_card
from paperbot.bot.models import ChannelRef, Digest, PaperCard
from paperbot.bot.query import QueryError
from paperbot.bot.search import prepare, topic_matches
from paperbot.bot.taste_blend import WHY_TOPIC, WHY_TRENDING, TasteView, blend_pick, why
from paperbot.storage import deliveries
from paperbot.storage import papers as paper_store

logger = logging.getLogger(__name__)
__all__ = ["WHY_TOPIC", "WHY_TRENDING", "DigestBuilder", "build_digest"]

FOOTER = "Hugging Face Daily Papers · /papers subscribe <topic> to lead with what you follow"


def digest_title(day: str) -> str:
    return f"Trending AI papers · {date.fromisoformat(day).strftime('%a %d %b %Y')}"


@dataclass
class Pool:
    """The papers a digest picks from (one day's list, or several pooled for a catch-up), with what every
    channel reading it would otherwise recompute: trending order, each topic's matches, the cards."""

    entries: list[paper_store.DailyEntry]
    trend: dict[int, float]
    by_trend: list[int]  # best first
    pk_of: dict[str, int]  # arXiv id -> pk
    topics: dict[str, list[tuple[float, int]]] = field(default_factory=dict)  # topic -> digest order
    matched: dict[str, set[int]] = field(default_factory=dict)
    cards: dict[int, PaperCard] = field(default_factory=dict)


# A channel's taste over a pool (arXiv id -> pk) given its topics; None when it has taught nothing.
TasteHook = Callable[[ChannelRef, Mapping[str, int], Sequence[str]], TasteView | None]


class DigestBuilder:
    def __init__(self, db: sqlite_utils.Database, taste: TasteHook | None = None) -> None:
        self.db = db
        self.taste = taste
        self._pools: dict[tuple[str, ...], Pool] = {}

    def forget(self, day: str) -> None:
        """The day's list changed (a fetch): rebuild its pool on next use."""
        self._pools = {k: v for k, v in self._pools.items() if day not in k}

    def _pool(self, days: tuple[str, ...]) -> Pool:
        if days not in self._pools:
            best: dict[str, paper_store.DailyEntry] = {}
            for day in days:
                for entry in paper_store.daily_list(self.db, day):
                    if entry.paper_id not in best or entry.upvotes > best[entry.paper_id].upvotes:
                        best[entry.paper_id] = entry
            entries = list(best.values())
            signals = paper_store.paper_signals(self.db, [e.pk for e in entries])
            trend = {e.pk: ranking.trending_score(e.upvotes, e.comments, signals[e.pk][2]) for e in entries}
            pk_of = {e.paper_id: e.pk for e in entries}
            self._pools[days] = Pool(entries, trend, ranking.order(trend), pk_of)
        return self._pools[days]

    def _topic(self, pool: Pool, topic: str) -> list[tuple[float, int]]:
        if topic not in pool.topics:
            relevance: dict[int, float] = {}
            try:
                query, _ = prepare(self.db, topic)
            except QueryError:
                logger.warning("stored topic %r has nothing to search; skipped", topic)
            else:
                # A digest claims "matched your topic" only for papers whose own words cover all of it.
                relevance = topic_matches(self.db, query, [e.pk for e in pool.entries])
            pool.topics[topic] = ranking.topic_order(relevance, pool.trend)
            pool.matched[topic] = set(relevance)
        return pool.topics[topic]

    def _card(self, pool: Pool, pk: int) -> PaperCard | None:
        if pk not in pool.cards:
            papers = paper_store.get_papers_by_pk(self.db, [pk])
            if pk not in papers:
                return None
            pool.cards[pk] = to_card(papers[pk], (), pool.trend[pk])
        return pool.cards[pk]

    def digest(
        self,
        ref: ChannelRef,
        day: str,
        *,
        size: int,
        topics: Sequence[str] = (),
        skip_sent: bool = True,
    ) -> Digest:
        """The digest `ref` should get for `day`. Never raises for an empty day: the note says so."""
        pool = self._pool((day,))
        if not pool.entries:
            return Digest(digest_title(day), day, (), FOOTER, note=f"No Hugging Face list for {day} yet.")
        return self._select(ref, digest_title(day), day, pool, size=size, topics=topics, skip_sent=skip_sent)

    def catchup(
        self, ref: ChannelRef, days: Sequence[str], *, size: int, topics: Sequence[str] = ()
    ) -> Digest:
        """One digest standing for several missed days: their lists pooled, the best of them, never repeated."""
        ordered = tuple(sorted(days))
        span = _span(ordered)
        title = f"Catch-up: what you missed, {span}"
        pool = self._pool(ordered)
        if not pool.entries:
            return Digest(title, ordered[-1], (), FOOTER, note=f"No Hugging Face lists for {span}.")
        digest = self._select(ref, title, ordered[-1], pool, size=size, topics=topics, skip_sent=True)
        covered = f"paperbot was not running at post time; this covers {len(ordered)} day(s): {span}."
        return Digest(
            digest.title, digest.day, digest.cards, digest.footer, note=f"{covered} {digest.note}".strip()
        )

    def _select(
        self,
        ref: ChannelRef,
        title: str,
        day: str,
        pool: Pool,
        *,
        size: int,
        topics: Sequence[str],
        skip_sent: bool,
    ) -> Digest:
        seen_ids = deliveries.sent_paper_ids(self.db, ref) if skip_sent else set()
        seen = {pool.pk_of[i] for i in seen_ids if i in pool.pk_of}
        if len(seen) == len(pool.entries):
            return Digest(title, day, (), FOOTER, note="Every paper listed was already in an earlier digest.")
        orders = [self._topic(pool, topic) for topic in topics]
        view = self.taste(ref, pool.pk_of, topics) if self.taste is not None else None
        if view is None:
            chosen = ranking.digest_pick(orders, pool.by_trend, seen, size)
        else:
            best: dict[int, float] = {}
            for score, pk in (item for topic_order in orders for item in topic_order):
                best[pk] = max(best.get(pk, 0.0), score)
            chosen = blend_pick(pool.by_trend, pool.trend, best, view, seen, size)
        cards = []
        for pk in chosen:
            card = self._card(pool, pk)
            if card is not None:
                found = tuple(t for t in topics if pk in pool.matched[t])
                like = view.like.get(pk) if view is not None else None
                cards.append(replace(card, matched_topics=found, why=why(found, like)))
        note = ""
        if topics:
            hits = sum(1 for c in cards if c.matched_topics)
            if hits == 0:
                note = f"Nothing new matched {_topic_list(topics)}; here is what is trending."
            elif hits < len(cards):
                note = f"{hits} matched {_topic_list(topics)}; the rest is what is trending."
        return Digest(title, day, tuple(cards), FOOTER, note=note)


def build_digest(
    db: sqlite_utils.Database,
    ref: ChannelRef,
    day: str,
    *,
    size: int,
    topics: Sequence[str] = (),
    skip_sent: bool = True,
    taste: TasteHook | None = None,
) -> Digest:
    """One digest, for callers that build only one (a preview, `/papers today`)."""
    return DigestBuilder(db, taste).digest(ref, day, size=size, topics=topics, skip_sent=skip_sent)


def _span(days: Sequence[str]) -> str:
    first, last = (date.fromisoformat(d).strftime("%a %d %b") for d in (days[0], days[-1]))
    return first if first == last else f"{first} – {last}"


def _topic_list(topics: Sequence[str]) -> str:
    quoted = [f"“{t}”" for t in topics[:5]]
    more = f" and {len(topics) - 5} more" if len(topics) > 5 else ""
    return "your topics " + ", ".join(quoted) + more
