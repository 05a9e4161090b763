"""The `/papers` sub-commands that read or change a channel's set-up: topics, schedule, size, pause."""

from __future__ import annotations

import logging

from paperbot.bot import schedule as sched
from paperbot.bot.context import Context, error, read_settings, register
from paperbot.bot.digest import build_digest
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
    lines.append(
        f"Digest: {settings.size} papers at {settings.post_time} {settings.timezone}, {settings.days}"
    )
    if settings.paused:
        lines.append(f"Paused: {settings.pause_reason or 'by a user'} (/papers resume to restart)")
    return Reply("\n".join(lines))


def schedule(ctx: Context, cmd: Command, arg: str) -> Reply:
    words = arg.split()
    if not words:
        return error("usage: /papers schedule HH:MM [Area/City] [weekdays|daily]")
    if len(words) > 3:
        return error("too many words; usage: /papers schedule HH:MM [Area/City] [weekdays|daily]")
    try:
        post_time = sched.parse_time(words[0])
        settings = read_settings(ctx, cmd)
        zone, days = settings.timezone, settings.days
        for word in words[1:]:
            if word.lower() in sched.DAY_SETS:
                days = sched.days_name(sched.parse_days(word))
            else:
                zone = sched.parse_zone(word).key
    except ValueError as exc:
        return error(str(exc))
    text_time = post_time.strftime("%H:%M")
    register(ctx, cmd)
    channel_store.update_channel(ctx.db, cmd.ref, post_time=text_time, timezone=zone, days=days)
    if ctx.on_schedule_change:
        ctx.on_schedule_change()
    logger.info(
        "schedule channel=%s time=%s tz=%s days=%s by=%s", cmd.ref.key, text_time, zone, days, cmd.user
    )
    return Reply(f"The digest will be posted at {text_time} {zone}, {days}.", ReplyKind.SUCCESS)


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
        taste=TasteScorer(ctx.db),
    )
    return Reply(digest.title, digest=digest)
