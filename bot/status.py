"""What `paperbot status` and `/papers status` say: last fetch, next post, last delivery, pauses."""

from __future__ import annotations

from datetime import datetime

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


def fetch_line(db: sqlite_utils.Database) -> str:
    last = paper_store.last_fetch(db)
    if not last:
        return "Last fetch: never"
    line = f"Last fetch: {last['day']} at {last['fetched_at']} ({last['count']} papers)"
    if last["error"]:
        line += f", FAILED: {last['error']}"
    return line


def channel_status(db: sqlite_utils.Database, settings: channel_store.ChannelSettings, now: datetime) -> str:
    lines = [fetch_line(db)]
    if settings.paused:
        lines.append(f"Next post: none, paused ({settings.pause_reason or 'by a user'})")
    else:
        when = schedule_of(settings).next_post(now).astimezone(sched.parse_zone(settings.timezone))
        lines.append(f"Next post: {when.strftime('%a %Y-%m-%d %H:%M')} {settings.timezone}")
    last = deliveries.last_for(db, settings.ref)
    if last is None:
        lines.append("Last delivery: none yet")
    else:
        detail = f" ({last.error})" if last.error else ""
        lines.append(f"Last delivery: {last.day} {last.status}{detail}")
    return "\n".join(lines)
