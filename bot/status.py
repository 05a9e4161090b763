"""What `paperbot status` and `/papers status` say: last fetch, next post, last delivery, pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlite_utils

from paperbot.bot import schedule as sched
from paperbot.storage import channels as channel_store
from paperbot.storage import deliveries
from paperbot.storage import papers as paper_store


def schedule_of(settings: channel_store.ChannelSettings) -> sched.Schedule:
    return sched.Schedule(
        sched.parse_time(settings.post_time),
        sched.parse_zone(settings.timezone),
        sched.parse_days(settings.days),
    )


def when(stamp: str, now: datetime | None = None) -> str:
    """A stored UTC instant for people: "Tue 30 Jun, 18:25 UTC" (with the year when it is not this one)."""
    at = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)
    year = "" if at.year == (now or datetime.now(UTC)).year else f" {at.year}"
    return at.strftime(f"%a %d %b{year}, %H:%M UTC")


def _listing(day: str, at: str) -> str:
    """Which day's list a fetch was for, when it is not the day it ran."""
    return "" if at.startswith(day) else f" (list of {date.fromisoformat(day).strftime('%a %d %b')})"


def fetch_lines(db: sqlite_utils.Database, now: datetime | None = None) -> list[str]:
    """The last good fetch, and on a separate line a failure since then: never one line claiming both."""
    good = paper_store.last_fetch(db)
    bad = paper_store.last_failed_fetch(db)
    lines = []
    if good:
        papers = "1 paper" if good["count"] == 1 else f"{good['count']} papers"
        lines.append(
            f"Last fetch: {when(good['fetched_at'], now)} — {papers}{_listing(good['day'], good['fetched_at'])}"
        )
    else:
        lines.append("Last fetch: never")
    if bad and (not good or bad["fetched_at"] > good["fetched_at"]):
        lines.append(
            f"Fetch failed: {when(bad['fetched_at'], now)}{_listing(bad['day'], bad['fetched_at'])}: "
            f"{bad['error']} (`paperbot doctor` on the bot's host says why)"
        )
    return lines


def channel_lines(
    db: sqlite_utils.Database, settings: channel_store.ChannelSettings, now: datetime
) -> list[str]:
    """Next post, last delivery. A channel nobody set up gets no digest, so it is promised none."""
    lines = []
    if channel_store.get_channel(db, settings.ref) is None:
        lines.append(
            "Next post: none: this channel gets a daily digest once someone subscribes it to a topic "
            "or sets its schedule"
        )
    elif settings.paused:
        lines.append(f"Next post: none, paused ({settings.pause_reason or 'by a user'})")
    else:
        at = schedule_of(settings).next_post(now).astimezone(sched.parse_zone(settings.timezone))
        lines.append(f"Next post: {at.strftime('%a %Y-%m-%d %H:%M')} {settings.timezone}")
    last = deliveries.last_for(db, settings.ref)
    if last is None:
        lines.append("Last delivery: none yet")
    else:
        detail = f" ({last.error})" if last.error else ""
        lines.append(f"Last delivery: {last.day} {last.status}{detail}")
    return lines


def channel_status(db: sqlite_utils.Database, settings: channel_store.ChannelSettings, now: datetime) -> str:
    return "\n".join([*fetch_lines(db, now), *channel_lines(db, settings, now)])
