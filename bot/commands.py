"""`/papers ...`: one grammar and one implementation for Slack, Discord and the console.

The first word picks a sub-command only when it is one; anything else is a search, so
`/papers subscribe moe` subscribes and `/papers moe subscribe` searches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlite_utils

from paperbot.bot import schedule as sched
from paperbot.bot.cards import to_card
from paperbot.bot.digest import build_digest
from paperbot.bot.models import Command, Digest, Reply, ReplyKind
from paperbot.bot.query import QueryError, parse
from paperbot.bot.search import search
from paperbot.bot.status import channel_status
from paperbot.storage import channels as channel_store
from paperbot.storage import papers as paper_store

logger = logging.getLogger(__name__)

MAX_TOPIC_CHARS = 100
MAX_TOPICS = 25
MIN_SIZE, MAX_SIZE = 1, 20
PAGE = 5

HELP = """\
/papers <topic>                     search, e.g. /papers moe or /papers "kv cache" -survey author:"Tri Dao"
/papers today                       this channel's digest for today, as it stands now
/papers subscribe <topic>           lead this channel's digest with papers on <topic>
/papers unsubscribe <topic>         stop following <topic>
/papers topics                      what this channel follows, and its schedule
/papers schedule HH:MM [Area/City] [weekdays|daily]   when the digest is posted
/papers size N                      papers per digest (1-20)
/papers pause | resume              stop or restart the daily digest
/papers status                      last fetch, next post, last delivery
/papers help                        this text
A channel gets the daily digest once someone runs subscribe or schedule in it."""


@dataclass(frozen=True)
class Defaults:
    post_time: str = "09:00"
    timezone: str = "UTC"
    days: str = "weekdays"
    size: int = 5


@dataclass
class Context:
    db: sqlite_utils.Database
    defaults: Defaults
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    on_schedule_change: Callable[[], None] | None = None


def _error(text: str) -> Reply:
    return Reply(text, ReplyKind.ERROR)


def _channel(ctx: Context, cmd: Command) -> channel_store.ChannelSettings:
    """The channel's settings, registering it (so it gets daily digests) on its first change."""
    d = ctx.defaults
    return channel_store.ensure_channel(
        ctx.db, cmd.ref, post_time=d.post_time, timezone=d.timezone, days=d.days, size=d.size
    )


def _settings(ctx: Context, cmd: Command) -> channel_store.ChannelSettings:
    """The channel's settings for reading: a channel nobody set up is not registered by looking at it."""
    found = channel_store.get_channel(ctx.db, cmd.ref)
    if found:
        return found
    d = ctx.defaults
    return channel_store.ChannelSettings(cmd.ref, d.post_time, d.timezone, d.days, d.size, False, None)


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


def search_reply(ctx: Context, text: str, offset: int = 0, limit: int = PAGE) -> Reply:
    try:
        result = search(ctx.db, text, limit=limit, offset=offset)
    except QueryError as exc:
        return _error(str(exc))
    if not result.hits:
        empty = "No more papers" if offset else "No papers found"
        hint = (
            "" if paper_store.paper_count(ctx.db) else " (the archive is empty: run `paperbot fetch` first)"
        )
        return Reply(f"{empty} for “{text.strip()[:80]}”{hint}.", ReplyKind.WARNING)
    cards = tuple(to_card(h.paper, h.matched, h.score) for h in result.hits)
    notes = [f"“{w}” → “{c}”" for w, c in result.corrections.items()]
    note = f"Did you mean: {', '.join(notes)}" if notes else ""
    shown = f"{offset + 1}-{offset + len(cards)}"
    digest = Digest(f"Papers for “{text.strip()[:80]}” ({shown})", "", cards, note=note, first=offset + 1)
    more = result.total > offset + len(cards)
    return Reply(digest.title, digest=digest, query=text.strip(), offset=offset, more=more)


def _subscribe(ctx: Context, cmd: Command, arg: str) -> Reply:
    try:
        topic = normalize_topic(arg)
    except ValueError as exc:
        return _error(str(exc))
    _channel(ctx, cmd)
    if len(channel_store.topics(ctx.db, cmd.ref)) >= MAX_TOPICS:
        return _error(f"this channel already follows {MAX_TOPICS} topics; unsubscribe one first")
    if not channel_store.add_topic(ctx.db, cmd.ref, topic, cmd.user):
        return Reply(f"This channel already follows “{topic}”.", ReplyKind.INFO)
    logger.info("subscribe channel=%s topic=%r by=%s", cmd.ref.key, topic, cmd.user)
    return Reply(f"Subscribed to “{topic}”: this channel's digest now leads with it.", ReplyKind.SUCCESS)


def _unsubscribe(ctx: Context, cmd: Command, arg: str) -> Reply:
    try:
        topic = normalize_topic(arg)
    except ValueError as exc:
        return _error(str(exc))
    if not channel_store.remove_topic(ctx.db, cmd.ref, topic):
        current = channel_store.topics(ctx.db, cmd.ref)
        known = ", ".join(f"“{t}”" for t in current) if current else "nothing yet"
        return _error(f"this channel does not follow “{topic}” (it follows {known})")
    logger.info("unsubscribe channel=%s topic=%r by=%s", cmd.ref.key, topic, cmd.user)
    return Reply(f"Unsubscribed from “{topic}”.", ReplyKind.SUCCESS)


def _topics(ctx: Context, cmd: Command) -> Reply:
    settings = _settings(ctx, cmd)
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


def _schedule(ctx: Context, cmd: Command, arg: str) -> Reply:
    words = arg.split()
    if not words:
        return _error("usage: /papers schedule HH:MM [Area/City] [weekdays|daily]")
    if len(words) > 3:
        return _error("too many words; usage: /papers schedule HH:MM [Area/City] [weekdays|daily]")
    try:
        post_time = sched.parse_time(words[0])
        settings = _settings(ctx, cmd)
        zone, days = settings.timezone, settings.days
        for word in words[1:]:
            if word.lower() in sched.DAY_SETS:
                days = sched.days_name(sched.parse_days(word))
            else:
                zone = sched.parse_zone(word).key
    except ValueError as exc:
        return _error(str(exc))
    text_time = post_time.strftime("%H:%M")
    _channel(ctx, cmd)
    channel_store.update_channel(ctx.db, cmd.ref, post_time=text_time, timezone=zone, days=days)
    if ctx.on_schedule_change:
        ctx.on_schedule_change()
    logger.info(
        "schedule channel=%s time=%s tz=%s days=%s by=%s", cmd.ref.key, text_time, zone, days, cmd.user
    )
    return Reply(f"The digest will be posted at {text_time} {zone}, {days}.", ReplyKind.SUCCESS)


def _size(ctx: Context, cmd: Command, arg: str) -> Reply:
    try:
        size = int(arg.strip())
    except ValueError:
        return _error(f"usage: /papers size N, with N a whole number from {MIN_SIZE} to {MAX_SIZE}")
    if not MIN_SIZE <= size <= MAX_SIZE:
        return _error(f"size must be from {MIN_SIZE} to {MAX_SIZE}, not {size}")
    _channel(ctx, cmd)
    channel_store.update_channel(ctx.db, cmd.ref, size=size)
    return Reply(f"The digest will show {size} papers.", ReplyKind.SUCCESS)


def _pause(ctx: Context, cmd: Command, paused: bool) -> Reply:
    _channel(ctx, cmd)
    reason = f"paused by {cmd.user}" if paused else None
    channel_store.update_channel(ctx.db, cmd.ref, paused=int(paused), pause_reason=reason)
    if ctx.on_schedule_change:
        ctx.on_schedule_change()
    logger.info("%s channel=%s by=%s", "pause" if paused else "resume", cmd.ref.key, cmd.user)
    if paused:
        return Reply("Daily digest paused. /papers resume restarts it.", ReplyKind.SUCCESS)
    return Reply("Daily digest resumed.", ReplyKind.SUCCESS)


def _today(ctx: Context, cmd: Command) -> Reply:
    settings = _settings(ctx, cmd)
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
    )
    return Reply(digest.title, digest=digest)


MANAGING = {"subscribe", "unsubscribe", "schedule", "size", "pause", "resume"}


def handle(ctx: Context, cmd: Command) -> Reply:
    """Answer one `/papers` command. Never raises for bad input: the reply says what was wrong."""
    text = (cmd.text or "").strip()
    word, _, arg = text.partition(" ")
    sub = word.lower()
    if sub in MANAGING and not cmd.user_can_manage:
        return _error(f"only people who can manage this channel may use /papers {sub}")
    if not text or sub == "help":
        return Reply(HELP)
    if sub == "subscribe":
        return _subscribe(ctx, cmd, arg)
    if sub == "unsubscribe":
        return _unsubscribe(ctx, cmd, arg)
    if sub == "topics":
        return _topics(ctx, cmd)
    if sub == "schedule":
        return _schedule(ctx, cmd, arg)
    if sub == "size":
        return _size(ctx, cmd, arg)
    if sub in ("pause", "resume"):
        return _pause(ctx, cmd, sub == "pause")
    if sub == "today":
        return _today(ctx, cmd)
    if sub == "status":
        return Reply(channel_status(ctx.db, _settings(ctx, cmd), ctx.now()))
    return search_reply(ctx, text)
