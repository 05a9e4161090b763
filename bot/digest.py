"""Build a channel's digest for a day: that day's list, minus what the channel saw, led by its topics.

A `DigestBuilder` keeps, per day, the list with its trending order and each topic's matches, so a
fan-out to thousands of channels ranks each shared topic once, not once per channel.
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import sqlite_utils

from paperbot.bot import ranking
from paperbot.bot.cards import to_card
from paperbot.bot.models import HF_DAY_URL, ChannelRef, Digest, PaperCard
from paperbot.bot.query import QueryError, parse, quote, without_exclusions
from paperbot.bot.query_prep import prepare
from paperbot.bot.search import TopicRanking, topic_ranking
from paperbot.bot.taste_blend import WHY_NEAR, WHY_TOPIC, WHY_TRENDING, TasteView, blend_pick, why
from paperbot.bot.taste_markers import label_terms
from paperbot.storage import deliveries, search_index
from paperbot.storage import papers as paper_store
from paperbot.storage import votes as vote_store

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
    near: dict[str, list[tuple[float, int]]] = field(default_factory=dict)  # topic -> the rest sharing words
    near_pks: dict[str, set[int]] = field(default_factory=dict)
    excluded: dict[str, set[int]] = field(default_factory=dict)  # FTS expression -> the papers it finds
    cards: dict[int, PaperCard] = field(default_factory=dict)
    days: tuple[str, ...] = ()
    past: bool = False  # a newer list exists: cards show the counts as of this day, not today's
    by_pk: dict[int, paper_store.DailyEntry] = field(init=False)

    def __post_init__(self) -> None:
        self.by_pk = {e.pk: e for e in self.entries}


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
            signals = search_index.paper_signals(self.db, [e.pk for e in entries])
            trend = {e.pk: ranking.trending_score(e.upvotes, e.comments, signals[e.pk][2]) for e in entries}
            pk_of = {e.paper_id: e.pk for e in entries}
            newest = paper_store.listed_days(self.db, limit=1)
            past = len(days) == 1 and bool(newest) and days[0] < newest[0]
            pool = Pool(entries, trend, ranking.order(trend), pk_of, days=days, past=past)
            self._pools[days] = pool
        return self._pools[days]

    def _topic(self, pool: Pool, topic: str) -> list[tuple[float, int]]:
        if topic not in pool.topics:
            found = TopicRanking({}, {})
            try:
                query, _ = prepare(self.db, topic)
            except QueryError:
                logger.warning("stored topic %r has nothing to search; skipped", topic)
            else:
                # A digest claims "matched your topic" only for papers whose own words cover all of it.
                found = topic_ranking(self.db, query, [e.pk for e in pool.entries])
            pool.topics[topic] = ranking.topic_order(found.matches, pool.trend)
            pool.matched[topic] = set(found.matches)
            pool.near[topic] = ranking.topic_order(found.near, pool.trend)
            pool.near_pks[topic] = set(found.near)
        return pool.topics[topic]

    def _excluded(self, pool: Pool, topics: Sequence[str]) -> set[int]:
        """Papers of the pool carrying a word one of the channel's topics excludes (`moe -vision`): never
        in its digest, whichever topic or signal would bring them."""
        found: set[int] = set()
        for topic in topics:
            for expression in _exclusions(topic):
                if expression not in pool.excluded:
                    pks = [e.pk for e in pool.entries]
                    hits = vote_store.excluded_pks(self.db, expression, min(pks), max(pks)) if pks else set()
                    pool.excluded[expression] = hits & pool.by_pk.keys()
                found |= pool.excluded[expression]
        return found

    def _card(self, pool: Pool, pk: int) -> PaperCard | None:
        if pk not in pool.cards:
            papers = paper_store.get_papers_by_pk(self.db, [pk])
            if pk not in papers:
                return None
            card = to_card(papers[pk], (), pool.trend[pk], day=pool.days[-1] if pool.days else None)
            if pool.past:
                entry = pool.by_pk[pk]
                card = replace(card, upvotes=entry.day_upvotes, comments=entry.day_comments)
            pool.cards[pk] = card
        return pool.cards[pk]

    def digest(
        self,
        ref: ChannelRef,
        day: str,
        *,
        size: int,
        topics: Sequence[str] = (),
        skip_sent: bool = True,
        images: bool = True,
        lead: Mapping[str, str] | None = None,
    ) -> Digest:
        """The digest `ref` should get for `day`. Never raises for an empty day: the note says so.
        `lead`: papers by people the channel follows (id -> "new from ..."), put first and marked."""
        pool = self._pool((day,))
        if not pool.entries:
            return Digest(digest_title(day), day, (), FOOTER, note=f"No Hugging Face list for {day} yet.")
        digest = self._select(
            ref, digest_title(day), day, pool, size=size, topics=topics, skip_sent=skip_sent, lead=lead
        )
        return with_extras(digest, len(pool.entries), images=images, past=pool.past)

    def catchup(
        self,
        ref: ChannelRef,
        days: Sequence[str],
        *,
        size: int,
        topics: Sequence[str] = (),
        images: bool = True,
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
        digest = replace(digest, note=f"{covered} {digest.note}".strip())
        return with_extras(digest, 0, images=images, past=False)

    def from_pool(
        self, ref: ChannelRef, title: str, pool: Pool, *, size: int, topics: Sequence[str], seen_ids: set[str]
    ) -> Digest:
        """A digest from a pool built elsewhere (the weekly roll-up), skipping exactly `seen_ids`."""
        day = pool.days[-1] if pool.days else ""
        return self._select(
            ref, title, day, pool, size=size, topics=topics, skip_sent=False, seen_ids=seen_ids
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
        seen_ids: set[str] | None = None,
        lead: Mapping[str, str] | None = None,
    ) -> Digest:
        if seen_ids is None:
            seen_ids = deliveries.sent_paper_ids(self.db, ref) if skip_sent else set()
        seen = {pool.pk_of[i] for i in seen_ids if i in pool.pk_of}
        if len(seen) == len(pool.entries):
            return Digest(title, day, (), FOOTER, note="Every paper listed was already in an earlier digest.")
        orders = [self._topic(pool, topic) for topic in topics]
        marks = {pool.pk_of[i]: m for i, m in (lead or {}).items() if i in pool.pk_of}
        first = [pk for pk in pool.by_trend if pk in marks and pk not in seen][:size]
        taken, left = seen | set(first) | self._excluded(pool, topics), size - len(first)
        view = self.taste(ref, pool.pk_of, topics) if self.taste is not None else None
        explored: frozenset[int] = frozenset()
        if view is None:
            near = [pool.near[topic] for topic in topics]
            chosen = first + ranking.digest_pick(orders, pool.by_trend, taken, left, near)
        else:
            best: dict[int, float] = {}
            for score, pk in (item for topic_order in orders for item in topic_order):
                best[pk] = max(best.get(pk, 0.0), score)
            close: dict[int, float] = {}
            for score, pk in (item for topic in topics for item in pool.near[topic]):
                close[pk] = max(close.get(pk, 0.0), score)
            pick = blend_pick(pool.by_trend, pool.trend, best, view, taken, left, close)
            chosen, explored = first + pick.chosen, pick.explored
        # A card with no other reason is "trending" only if it is among the day's top papers the channel
        # could be shown (a topic's words or taste can reach further down); built only if a card asks.
        vetoed = view.vetoed if view is not None else frozenset()
        top: set[int] | None = None

        def among_top(pk: int) -> bool:
            nonlocal top
            if top is None:
                shown = (p for p in pool.by_trend if p not in taken and p not in vetoed)
                top = set(first) | set(itertools.islice(shown, len(chosen) - len(first)))
            return pk in top

        cards = []
        for pk in chosen:
            card = self._card(pool, pk)
            if card is not None:
                found = tuple(t for t in topics if pk in pool.matched[t])
                like = view.like.get(pk) if view is not None else None
                terms = view.carries.get(pk, ()) if view is not None else ()
                shares = label_terms(terms, card.title, card.summary) if terms else ()
                near_to = tuple(t for t in topics if pk in pool.near_pks[t])
                reason = why(
                    tuple(map(_wanted, found)),
                    like,
                    pk in explored,
                    shares,
                    functools.partial(among_top, pk),
                    tuple(map(_wanted, near_to)),
                )
                card = replace(card, matched_topics=found, why=reason)
                cards.append(replace(card, followed=marks[pk]) if pk in marks else card)
        note = ""
        sharing = any(c.why.startswith(WHY_NEAR) for c in cards)
        if view is None:
            rest = "partly matches them or is trending" if sharing else "is trending"
        else:
            rest = (
                "partly matches them, or what " if sharing else ""
            ) + "this channel's votes and trending suggest"
        if topics:
            hits = sum(1 for c in cards if c.matched_topics)
            if hits == 0:
                note = f"Nothing new matched {_topic_list(topics)}; here is what {rest}."
            elif hits < len(cards):
                note = f"{hits} matched {_topic_list(topics)}; the rest is what {rest}."
        return Digest(title, day, tuple(cards), FOOTER, note=note)


def build_digest(
    db: sqlite_utils.Database,
    ref: ChannelRef,
    day: str,
    *,
    size: int,
    topics: Sequence[str] = (),
    skip_sent: bool = True,
    images: bool = True,
    taste: TasteHook | None = None,
) -> Digest:
    """One digest, for callers that build only one (a preview, `/papers today`)."""
    return DigestBuilder(db, taste).digest(
        ref, day, size=size, topics=topics, skip_sent=skip_sent, images=images
    )


def with_extras(digest: Digest, listed: int, *, images: bool, past: bool) -> Digest:
    """The "+N more" line for a day's list, and the thumbnails dropped when the channel turned images off."""
    cards = digest.cards if images else tuple(replace(c, thumbnail_url=None) for c in digest.cards)
    more = max(0, listed - len(cards)) if digest.cards else 0
    label = f"the {date.fromisoformat(digest.day).strftime('%a %d %b')} list" if past else "today's list"
    url = HF_DAY_URL.format(day=digest.day) if more else ""
    return replace(digest, cards=cards, more=more, more_url=url, more_label=label)


@functools.lru_cache(maxsize=4096)  # the same few topics are read for thousands of channels
def _exclusions(topic: str) -> tuple[str, ...]:
    """The FTS expressions of the words a topic excludes (built by bot/query.py, never raw text)."""
    try:
        return tuple(quote(phrase) for phrase in parse(topic).excluded)
    except QueryError:
        return ()


@functools.lru_cache(maxsize=4096)
def _wanted(topic: str) -> str:
    """A topic without its exclusions, for a label: "matches agents", not "matches agents -benchmark"."""
    return without_exclusions(topic)


def _span(days: Sequence[str]) -> str:
    first, last = (date.fromisoformat(d).strftime("%a %d %b") for d in (days[0], days[-1]))
    return first if first == last else f"{first} – {last}"


def _topic_list(topics: Sequence[str]) -> str:
    quoted = [f"“{t}”" for t in topics[:5]]
    more = f" and {len(topics) - 5} more" if len(topics) > 5 else ""
    return "your topics " + ", ".join(quoted) + more
