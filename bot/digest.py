"""Build a channel's digest for a day: that day's list, minus what the channel saw, led by its topics."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

import sqlite_utils

from bot import ranking
from bot.cards import to_card
from bot.models import ChannelRef, Digest
from bot.query import QueryError
from bot.search import prepare, rank
from storage import deliveries
from storage import papers as paper_store

logger = logging.getLogger(__name__)

FOOTER = "Hugging Face Daily Papers · /papers subscribe <topic> to lead with what you follow"


def digest_title(day: str) -> str:
    return f"Trending AI papers · {date.fromisoformat(day).strftime('%a %d %b %Y')}"


def topic_matches(
    db: sqlite_utils.Database, topics: Sequence[str], within: Sequence[int]
) -> tuple[dict[int, float], dict[int, list[str]]]:
    """Best relevance per paper over the topics, and which topics each paper matched."""
    best: dict[int, float] = {}
    matched: dict[int, list[str]] = {}
    for topic in topics:
        try:
            query, _ = prepare(db, topic)
        except QueryError:
            logger.warning("stored topic %r has nothing to search; skipped", topic)
            continue
        # No feedback expansion here: a digest claims "matched your topic" only for papers that do.
        for pk, score, labels in rank(db, query, within=within, depth=len(within), feedback=False):
            if not labels:
                continue
            best[pk] = max(best.get(pk, 0.0), score)
            matched.setdefault(pk, []).append(topic)
    return best, matched


def build_digest(
    db: sqlite_utils.Database,
    ref: ChannelRef,
    day: str,
    *,
    size: int,
    topics: Sequence[str] = (),
    skip_sent: bool = True,
) -> Digest:
    """The digest `ref` should get for `day`. Never raises for an empty day: the note says what happened."""
    title = digest_title(day)
    entries = paper_store.daily_list(db, day)
    if not entries:
        return Digest(title, day, (), FOOTER, note=f"No Hugging Face list for {day} yet.")
    return _select(db, ref, title, day, entries, size=size, topics=topics, skip_sent=skip_sent)


def build_catchup(
    db: sqlite_utils.Database, ref: ChannelRef, days: Sequence[str], *, size: int, topics: Sequence[str] = ()
) -> Digest:
    """One digest standing for several missed days: their lists pooled, the best of them, never repeated."""
    ordered = sorted(days)
    best: dict[str, paper_store.DailyEntry] = {}
    for day in ordered:
        for entry in paper_store.daily_list(db, day):
            if entry.paper_id not in best or entry.upvotes > best[entry.paper_id].upvotes:
                best[entry.paper_id] = entry
    span = _span(ordered)
    title = f"Catch-up: what you missed, {span}"
    if not best:
        return Digest(title, ordered[-1], (), FOOTER, note=f"No Hugging Face lists for {span}.")
    digest = _select(
        db, ref, title, ordered[-1], list(best.values()), size=size, topics=topics, skip_sent=True
    )
    covered = f"paperbot was not running at post time; this covers {len(ordered)} day(s): {span}."
    note = f"{covered} {digest.note}".strip()
    return Digest(digest.title, digest.day, digest.cards, digest.footer, note=note)


def _span(days: Sequence[str]) -> str:
    first, last = (date.fromisoformat(d).strftime("%a %d %b") for d in (days[0], days[-1]))
    return first if first == last else f"{first} – {last}"


def _select(
    db: sqlite_utils.Database,
    ref: ChannelRef,
    title: str,
    day: str,
    entries: Sequence[paper_store.DailyEntry],
    *,
    size: int,
    topics: Sequence[str],
    skip_sent: bool,
) -> Digest:
    seen = deliveries.sent_paper_ids(db, ref) if skip_sent else set()
    fresh = [e for e in entries if e.paper_id not in seen]
    if not fresh:
        return Digest(title, day, (), FOOTER, note="Every paper listed was already in an earlier digest.")
    signals = paper_store.paper_signals(db, [e.pk for e in fresh])
    trend = {e.pk: ranking.trending_score(e.upvotes, e.comments, signals[e.pk][2]) for e in fresh}
    relevance, matched = topic_matches(db, topics, [e.pk for e in fresh]) if topics else ({}, {})
    chosen = ranking.digest_order(relevance, trend)[:size]
    papers = paper_store.get_papers_by_pk(db, chosen)
    cards = tuple(
        to_card(papers[pk], tuple(matched.get(pk, ())), relevance.get(pk, trend[pk]))
        for pk in chosen
        if pk in papers
    )
    note = ""
    if topics:
        hits = sum(1 for c in cards if c.matched_topics)
        if hits == 0:
            note = f"Nothing new matched {_topic_list(topics)}; here is what is trending."
        elif hits < len(cards):
            note = f"{hits} matched {_topic_list(topics)}; the rest is what is trending."
    return Digest(title, day, cards, FOOTER, note=note)


def _topic_list(topics: Sequence[str]) -> str:
    quoted = [f"“{t}”" for t in topics[:5]]
    more = f" and {len(topics) - 5} more" if len(topics) > 5 else ""
    return "your topics " + ", ".join(quoted) + more
