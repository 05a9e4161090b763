"""The weekly roll-up: one post per channel and ISO week, the week's best papers for that channel.

A weekly channel's `days` is its one weekday and `post_time`/`timezone` its local post time. The ledger
slot is "week:YYYY-Www" in the same deliveries table as daily posts, so a week is posted at most once
across restarts, SIGKILL and DST double fires. Weeks missed while paperbot was down are folded into the
post of the newest due week (the older slots are settled as covered by it).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import sqlite_utils

from paperbot.bot import ranking
from paperbot.bot.digest import FOOTER, DigestBuilder, Pool, with_extras
from paperbot.bot.models import ChannelRef, Digest
from paperbot.bot.schedule import Schedule
from paperbot.bot.status import schedule_of
from paperbot.storage import channels as channel_store
from paperbot.storage import deliveries, search_index
from paperbot.storage import papers as paper_store

logger = logging.getLogger(__name__)

SLOT_PREFIX = "week:"
LOOKBACK_WEEKS = 8  # how far back a folded catch-up reaches


def week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(text: str) -> date:
    """ "2026-W25" -> that ISO week's Monday; ValueError with a one-line reason otherwise."""
    year, sep, week = text.strip().upper().partition("-W")
    try:
        if not sep or len(year) != 4 or not 1 <= len(week) <= 2:
            raise ValueError
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise ValueError(f"{text[:20]!r} is not an ISO week; use YYYY-Www, e.g. 2026-W25") from None


def slot(monday: date) -> str:
    return SLOT_PREFIX + week_label(monday)


def week_days(mondays: Sequence[date]) -> list[str]:
    return [(m + timedelta(days=d)).isoformat() for m in mondays for d in range(7)]


def _weekday(schedule: Schedule) -> int:
    return min(schedule.days)


def due_week(schedule: Schedule, at: datetime) -> date:
    """The Monday of the newest week whose post time has passed at `at`."""
    local = schedule.local_day(at)
    monday = local - timedelta(days=local.weekday())
    if at < schedule.post_instant(monday + timedelta(days=_weekday(schedule))):
        monday -= timedelta(days=7)
    return monday


def owed_weeks(
    db: sqlite_utils.Database, settings: channel_store.ChannelSettings, at: datetime
) -> list[date]:
    """The weeks a post at `at` should cover, oldest first; empty when the newest due week is settled."""
    schedule = schedule_of(settings)
    since = _since(settings)
    newest = due_week(schedule, at)
    weeks = []
    for back in range(LOOKBACK_WEEKS):
        monday = newest - timedelta(days=7 * back)
        if since is not None and schedule.post_instant(monday + timedelta(days=_weekday(schedule))) < since:
            break  # the channel was not weekly yet at that post time
        weeks.append(monday)
    weeks.reverse()
    ledger = deliveries.for_days(db, settings.ref, [slot(w) for w in weeks])
    newest_row = ledger.get(slot(newest))
    if newest_row is not None and newest_row.status not in deliveries.RETRYABLE:
        return []
    return [w for w in weeks if slot(w) not in ledger or ledger[slot(w)].status in deliveries.RETRYABLE]


def _since(settings: channel_store.ChannelSettings) -> datetime | None:
    stamp = settings.cadence_since or settings.created_at
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


def week_pool(db: sqlite_utils.Database, days: Sequence[str]) -> Pool:
    """The papers listed during these days, each ranked by the upvotes it had gathered by its last
    listing in them (as fetched then), not by what it has today."""
    best: dict[str, paper_store.DailyEntry] = {}
    for day in days:
        for entry in paper_store.daily_list(db, day):
            if entry.paper_id not in best or entry.day_upvotes > best[entry.paper_id].day_upvotes:
                best[entry.paper_id] = entry
    entries = list(best.values())
    signals = search_index.paper_signals(db, [e.pk for e in entries])
    trend = {e.pk: ranking.trending_score(e.day_upvotes, e.day_comments, signals[e.pk][2]) for e in entries}
    pk_of = {e.paper_id: e.pk for e in entries}
    return Pool(entries, trend, ranking.order(trend), pk_of, days=tuple(days), past=True)


def week_title(mondays: Sequence[date]) -> str:
    first, last = mondays[0], mondays[-1] + timedelta(days=6)
    span = f"{first.strftime('%d %b')} – {last.strftime('%d %b %Y')}"
    if len(mondays) == 1:
        return f"Your week in AI papers · {week_label(first)} ({span})"
    return f"Your weeks in AI papers · {week_label(first)} to {week_label(mondays[-1])} ({span})"


def build_week(
    db: sqlite_utils.Database,
    ref: ChannelRef,
    mondays: Sequence[date],
    *,
    size: int,
    topics: Sequence[str] = (),
    repeat: bool = False,
    images: bool = True,
    builder: DigestBuilder | None = None,
) -> Digest:
    """The roll-up for these weeks: their lists pooled, led by the channel's topics, without the papers
    the channel already got in those weeks unless `repeat`."""
    days = week_days(mondays)
    title = week_title(mondays)
    pool = week_pool(db, days)
    if not pool.entries:
        return Digest(title, days[-1], (), FOOTER, note="No Hugging Face lists for these days.")
    seen = set() if repeat else deliveries.sent_paper_ids_between(db, ref, days[0], days[-1])
    digest = (builder or DigestBuilder(db)).from_pool(
        ref, title, pool, size=size, topics=topics, seen_ids=seen
    )
    if len(mondays) > 1:
        covered = f"paperbot was not running at post time; this covers {len(mondays)} weeks."
        digest = Digest(
            digest.title, digest.day, digest.cards, digest.footer, f"{covered} {digest.note}".strip()
        )
    return with_extras(digest, 0, images=images, past=True)
