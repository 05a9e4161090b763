"""The `/papers` sub-commands that read or change a channel's set-up: topics, schedule, size, pause."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date

from paperbot.bot import schedule as sched
from paperbot.bot.context import Context, error, read_settings, register
from paperbot.bot.digest import build_digest
from paperbot.bot.follow_commands import listing as follow_listing
from paperbot.bot.models import Command, Reply, ReplyKind
from paperbot.bot.query import QueryError, parse
from paperbot.bot.status import channel_status
from paperbot.bot.taste_scorer import TasteScorer
from paperbot.storage import channels as channel_store
from paperbot.storage import papers as paper_store

logger = logging.getLogger(__name__)

MAX_TOPIC_CHARS = 100
MAX_TOPICS = 25
MIN_SIZE, MAX_SIZE = 1, 20


def normalize_topic(text: str) -> str:
    """Topics compare case- and space-insensitively; raises ValueError with a user-facing reason."""
    topic = " ".join(text.split()).lower()
    if not topic:
        raise ValueError("name a topic, e.g. /papers subscribe kv cache")
    if len(topic) > MAX_TOPIC_CHARS:
        raise ValueError(f"a topic can be at most {MAX_TOPIC_CHARS} characters (this one has {len(topic)})")
    try:
        query = parse(topic)
    except QueryError as exc:
        raise ValueError(f"“{topic[:40]}” has nothing to match on: {exc}") from None
    if not query.concepts:
        raise ValueError("a topic needs at least one word besides author: and -exclusions")
    return topic


def subscribe(ctx: Context, cmd: Command, arg: str) -> Reply:
    try:
        topic = normalize_topic(arg)
    except ValueError as exc:
        return error(str(exc))
    register(ctx, cmd)
    if len(channel_store.topics(ctx.db, cmd.ref)) >= MAX_TOPICS:
        return error(f"this channel already follows {MAX_TOPICS} topics; unsubscribe one first")
    if not channel_store.add_topic(ctx.db, cmd.ref, topic, cmd.user):
        return Reply(f"This channel already follows “{topic}”.", ReplyKind.INFO)
    logger.info("subscribe channel=%s topic=%r by=%s", cmd.ref.key, topic, cmd.user)
    return Reply(f"Subscribed to “{topic}”: this channel's digest now leads with it.", ReplyKind.SUCCESS)


def unsubscribe(ctx: Context, cmd: Command, arg: str) -> Reply:
    try:
        topic = normalize_topic(arg)
    except ValueError as exc:
        return error(str(exc))
    if not channel_store.remove_topic(ctx.db, cmd.ref, topic):
        current = channel_store.topics(ctx.db, cmd.ref)
        known = ", ".join(f"“{t}”" for t in current) if current else "nothing yet"
        return error(f"this channel does not follow “{topic}” (it follows {known})")
    logger.info("unsubscribe channel=%s topic=%r by=%s", cmd.ref.key, topic, cmd.user)
    return Reply(f"Unsubscribed from “{topic}”.", ReplyKind.SUCCESS)


def topics(ctx: Context, cmd: Command, arg: str = "") -> Reply:
    settings = read_settings(ctx, cmd)
    current = channel_store.topics(ctx.db, cmd.ref)
    lines = [
        "Topics: "
        + (", ".join(f"“{t}”" for t in current) if current else "none (the digest shows top trending)")
    ]
    lines += follow_listing(ctx, cmd)
    if settings.weekly:
        repeats = "repeats allowed" if settings.weekly_all else "new papers only"
        lines.append(
            f"Weekly roll-up: {settings.size} papers, {settings.days.capitalize()} {settings.post_time} "
            f"{settings.timezone}, {repeats}"
        )
    else:
        lines.append(
            f"Digest: {settings.size} papers at {settings.post_time} {settings.timezone}, {settings.days}"
        )
    if settings.paused:
        lines.append(f"Paused: {settings.pause_reason or 'by a user'} (/papers resume to restart)")
    return Reply("\n".join(lines))


SCHEDULE_USAGE = "usage: /papers schedule HH:MM [Area/City] [weekdays|daily], or /papers schedule weekly Fri 16:00 [Area/City]"


def schedule(ctx: Context, cmd: Command, arg: str) -> Reply:
    words = arg.split()
    if not words:
        return error(SCHEDULE_USAGE)
    if len(words) > 4 or (len(words) > 3 and words[0].lower() != "weekly"):
        return error(f"too many words; {SCHEDULE_USAGE}")
    settings = read_settings(ctx, cmd)
    weekly = words[0].lower() == "weekly"
    post_time, zone, days = None, settings.timezone, None
    try:
        for word in words[1:] if weekly else words:
            if sched.looks_like_time(word):
                post_time = sched.parse_time(word)
            elif word.lower() in sched.DAY_SETS and not weekly:
                days = sched.days_name(sched.parse_days(word))
            elif weekly and days is None and sched.is_weekday(word):
                days = sched.DAY_NAMES[sched.parse_weekday(word)]
            else:
                zone = sched.parse_zone(word).key
    except ValueError as exc:
        return error(str(exc))
    if weekly and (days is None or post_time is None):
        return error("name the day and time: /papers schedule weekly Fri 16:00 [Area/City]")
    if post_time is None and days is None:
        return error(SCHEDULE_USAGE)
    text_time = post_time.strftime("%H:%M") if post_time else settings.post_time
    if days is None:
        # Back from weekly: its one day is not a daily schedule.
        days = ctx.defaults.days if settings.weekly else settings.days
    register(ctx, cmd)
    changes: dict[str, object] = {"post_time": text_time, "timezone": zone, "days": days}
    changes["cadence"] = "weekly" if weekly else "daily"
    if weekly != settings.weekly:
        # Days or weeks owed under the old cadence are not owed under the new one: no catch-up for them.
        changes["cadence_since"] = ctx.now().astimezone(UTC).isoformat()
    channel_store.update_channel(ctx.db, cmd.ref, **changes)
    if ctx.on_schedule_change:
        ctx.on_schedule_change()
    logger.info(
        "schedule channel=%s cadence=%s time=%s tz=%s days=%s by=%s",
        cmd.ref.key,
        changes["cadence"],
        text_time,
        zone,
        days,
        cmd.user,
    )
    if weekly:
        day_name = sched.FULL_NAMES[sched.parse_weekday(days)].capitalize()
        return Reply(
            f"A weekly roll-up will be posted every {day_name} at {text_time} {zone}, instead of the daily digest.",
            ReplyKind.SUCCESS,
        )
    return Reply(f"The digest will be posted at {text_time} {zone}, {days}.", ReplyKind.SUCCESS)


def weekly_repeat(ctx: Context, cmd: Command, arg: str) -> Reply:
    choice = arg.strip().lower()
    if choice not in ("all", "new"):
        return error("usage: /papers weekly all|new")
    register(ctx, cmd)
    channel_store.update_channel(ctx.db, cmd.ref, weekly_all=int(choice == "all"))
    if choice == "all":
        return Reply(
            "The weekly roll-up may repeat papers this channel already got that week.", ReplyKind.SUCCESS
        )
    return Reply(
        "The weekly roll-up leaves out papers this channel already got that week.", ReplyKind.SUCCESS
    )


def size(ctx: Context, cmd: Command, arg: str) -> Reply:
    try:
        size = int(arg.strip())
    except ValueError:
        return error(f"usage: /papers size N, with N a whole number from {MIN_SIZE} to {MAX_SIZE}")
    if not MIN_SIZE <= size <= MAX_SIZE:
        return error(f"size must be from {MIN_SIZE} to {MAX_SIZE}, not {size}")
    register(ctx, cmd)
    channel_store.update_channel(ctx.db, cmd.ref, size=size)
    return Reply(f"The digest will show {size} papers.", ReplyKind.SUCCESS)


def set_paused(ctx: Context, cmd: Command, paused: bool) -> Reply:
    register(ctx, cmd)
    reason = f"paused by {cmd.user}" if paused else None
    channel_store.update_channel(ctx.db, cmd.ref, paused=int(paused), pause_reason=reason)
    if ctx.on_schedule_change:
        ctx.on_schedule_change()
    logger.info("%s channel=%s by=%s", "pause" if paused else "resume", cmd.ref.key, cmd.user)
    if paused:
        return Reply("Daily digest paused. /papers resume restarts it.", ReplyKind.SUCCESS)
    return Reply("Daily digest resumed.", ReplyKind.SUCCESS)


def pause(ctx: Context, cmd: Command, arg: str = "") -> Reply:
    return set_paused(ctx, cmd, True)


def resume(ctx: Context, cmd: Command, arg: str = "") -> Reply:
    return set_paused(ctx, cmd, False)


IMAGES_USAGE = "usage: /papers images off|on"


def images(ctx: Context, cmd: Command, arg: str) -> Reply:
    choice = arg.strip().lower()
    if choice not in ("on", "off"):
        return error(IMAGES_USAGE)
    register(ctx, cmd)
    channel_store.update_channel(ctx.db, cmd.ref, images=int(choice == "on"))
    logger.info("images channel=%s %s by=%s", cmd.ref.key, choice, cmd.user)
    if choice == "on":
        return Reply("Digest cards will show each paper's first-page image.", ReplyKind.SUCCESS)
    return Reply("Digest cards will show no images.", ReplyKind.SUCCESS)


def status(ctx: Context, cmd: Command, arg: str = "") -> Reply:
    return Reply(channel_status(ctx.db, read_settings(ctx, cmd), ctx.now()))


def today(ctx: Context, cmd: Command, arg: str = "") -> Reply:
    settings = read_settings(ctx, cmd)
    today = ctx.now().astimezone(sched.parse_zone(settings.timezone)).date().isoformat()
    days = paper_store.listed_days(ctx.db, until=today, limit=1)
    if not days:
        return Reply("No daily list stored yet; it appears after the next fetch.", ReplyKind.WARNING)
    digest = build_digest(
        ctx.db,
        cmd.ref,
        days[0],
        size=settings.size,
        topics=channel_store.topics(ctx.db, cmd.ref),
        skip_sent=False,
        images=settings.images,
        taste=TasteScorer(ctx.db),
    )
    if days[0] != today:
        # An old list shown as if it were today's misleads: say so first.
        latest = date.fromisoformat(days[0]).strftime("%a %d %b")
        stale = f"No list for today yet; the latest is {latest}."
        digest = replace(digest, note=f"{stale} {digest.note}".strip())
    return Reply(digest.title, digest=digest)
