"""What every `/papers` handler is given: the database, the bot's defaults, the clock, and the
channel's settings read (without registering) or written (registering the channel for daily digests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlite_utils

from paperbot.bot.models import Command, Reply, ReplyKind
from paperbot.bot.semantic import Semantic
from paperbot.storage import channels as channel_store


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
    semantic: Semantic | None = None  # search by meaning too (PAPERBOT_SEMANTIC)
    # (channel, user) -> the last search and where its next page starts, for `/papers more`
    last_search: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    # (channel, user) -> when and which cards that person was last shown there, for `/papers up N`
    last_shown: dict[tuple[str, str], tuple[datetime, tuple[str, ...]]] = field(default_factory=dict)


def whole_number(text: str) -> int | None:
    """Typed text as a whole number, or None: "²" passes isdigit() but not int(), and int() refuses over
    4,300 digits; no number typed here needs more than 18."""
    text = text.strip()
    return int(text) if text.isdecimal() and len(text) <= 18 else None


def error(text: str) -> Reply:
    return Reply(text, ReplyKind.ERROR)


def register(ctx: Context, cmd: Command) -> channel_store.ChannelSettings:
    """The channel's settings, registering it (so it gets daily digests) on its first change."""
    d = ctx.defaults
    return channel_store.ensure_channel(
        ctx.db, cmd.ref, post_time=d.post_time, timezone=d.timezone, days=d.days, size=d.size
    )


def read_settings(ctx: Context, cmd: Command) -> channel_store.ChannelSettings:
    """The channel's settings for reading: a channel nobody set up is not registered by looking at it."""
    found = channel_store.get_channel(ctx.db, cmd.ref)
    if found:
        return found
    d = ctx.defaults
    return channel_store.ChannelSettings(cmd.ref, d.post_time, d.timezone, d.days, d.size, False, None)
