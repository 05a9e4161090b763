from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlite_utils

from paperbot.bot.commands import handle
from paperbot.bot.context import Context, Defaults
from paperbot.bot.ingest import import_batch
from paperbot.bot.models import ChannelRef, Command, ReplyKind
from paperbot.bot.sources.files import ImportBatch
from paperbot.bot.sources.hf import parse_daily
from paperbot.storage import channels as channel_store
from tests.factories import day_items

REF = ChannelRef("slack", "C1", "T1")
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def ctx(fresh_db: sqlite_utils.Database) -> Context:
    listed = parse_daily(day_items("2026-06-10", 10))
    import_batch(fresh_db, ImportBatch(papers=[lp.paper for lp in listed], listed=listed))
    return Context(fresh_db, Defaults(timezone="Europe/Berlin"), now=lambda: NOW)


def run(ctx: Context, text: str, can_manage: bool = True) -> tuple[str, ReplyKind]:
    reply = handle(ctx, Command(REF, "U1", text, user_can_manage=can_manage))
    return reply.text, reply.kind


def state(db: sqlite_utils.Database) -> tuple[object, ...]:
    return (
        db.execute("SELECT * FROM channels").fetchall(),
        db.execute("SELECT channel_key, topic FROM subscriptions ORDER BY topic").fetchall(),
    )


def test_search_is_the_default(ctx: Context) -> None:
    reply = handle(ctx, Command(REF, "U1", "moe"))
    assert reply.digest is not None and reply.digest.cards
    assert reply.digest.cards[0].matched_topics == ("moe",)
    assert reply.ephemeral
    # a sub-command word that is not first is just a search word
    later = handle(ctx, Command(REF, "U1", "moe subscribe"))
    assert later.digest is not None
    assert channel_store.topics(ctx.db, REF) == []


def test_subscribe_topics_unsubscribe(ctx: Context) -> None:
    text, kind = run(ctx, "subscribe  KV   Cache")
    assert kind == ReplyKind.SUCCESS and "kv cache" in text
    assert run(ctx, "subscribe kv cache")[0].startswith("This channel already follows")
    assert channel_store.topics(ctx.db, REF) == ["kv cache"]
    topics, _ = run(ctx, "topics")
    assert "kv cache" in topics and "09:00 Europe/Berlin" in topics
    assert run(ctx, "unsubscribe kv cache")[1] == ReplyKind.SUCCESS
    assert channel_store.topics(ctx.db, REF) == []


def test_schedule_size_pause_resume(ctx: Context) -> None:
    assert run(ctx, "schedule 7:30 America/New_York daily")[1] == ReplyKind.SUCCESS
    settings = channel_store.get_channel(ctx.db, REF)
    assert settings is not None
    assert (settings.post_time, settings.timezone, settings.days) == ("07:30", "America/New_York", "daily")
    assert run(ctx, "schedule 08:00")[1] == ReplyKind.SUCCESS  # keeps the zone and days
    settings = channel_store.get_channel(ctx.db, REF)
    assert settings is not None and (settings.post_time, settings.timezone) == ("08:00", "America/New_York")
    assert run(ctx, "size 3")[1] == ReplyKind.SUCCESS
    assert run(ctx, "pause")[1] == ReplyKind.SUCCESS
    assert "Paused" in run(ctx, "topics")[0]
    assert "paused" in run(ctx, "status")[0]
    assert run(ctx, "resume")[1] == ReplyKind.SUCCESS
    settings = channel_store.get_channel(ctx.db, REF)
    assert settings is not None and settings.size == 3 and not settings.paused


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("schedule 09:00 Mars/Olympus", "unknown time zone"),
        ("schedule 09:00 ../../etc/passwd", "time zone"),
        ("schedule 25:00", "not a time"),
        ("schedule", "usage"),
        ("schedule 09:00 Europe/Berlin daily extra", "too many"),
        ("size 0", "from 1 to 20"),
        ("size 999", "from 1 to 20"),
        ("size five", "whole number"),
        ("subscribe " + "x" * 300, "at most 100 characters"),
        ("subscribe", "name a topic"),
        ("subscribe    ", "name a topic"),
        ("subscribe 🙂", "nothing to match"),
        ("subscribe -survey", "nothing to match"),
        ("unsubscribe moe", "does not follow"),
        ("unsubscribe", "name a topic"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(ctx: Context, text: str, expected: str) -> None:
    run(ctx, "topics")  # the channel row exists, so "changes nothing" is meaningful
    before = state(ctx.db)
    reply, kind = run(ctx, text)
    assert kind == ReplyKind.ERROR
    assert expected in reply
    assert "\n" not in reply
    assert state(ctx.db) == before


@pytest.mark.parametrize(
    "text", ["subscribe moe", "unsubscribe moe", "schedule 10:00", "size 3", "pause", "resume"]
)
def test_changes_need_permission(ctx: Context, text: str) -> None:
    before = state(ctx.db)
    reply, kind = run(ctx, text, can_manage=False)
    assert kind == ReplyKind.ERROR and "manage this channel" in reply
    assert state(ctx.db) == before


def test_reading_needs_no_permission(ctx: Context) -> None:
    for text in ("moe", "topics", "today", "help", "status"):
        assert run(ctx, text, can_manage=False)[1] != ReplyKind.ERROR


def test_today_and_help(ctx: Context) -> None:
    reply = handle(ctx, Command(REF, "U1", "today"))
    assert reply.digest is not None and len(reply.digest.cards) == 5
    assert "/papers subscribe" in handle(ctx, Command(REF, "U1", "help")).text
    assert "/papers subscribe" in handle(ctx, Command(REF, "U1", "")).text


def test_search_pages(ctx: Context) -> None:
    first = handle(ctx, Command(REF, "U1", "models"))
    assert first.digest is not None and len(first.digest.cards) == 5 and first.more and first.next_offset == 5
    empty = handle(ctx, Command(REF, "U1", "zzzzzz qqqqq"))
    assert empty.kind == ReplyKind.WARNING and "No papers found" in empty.text


def test_second_page_numbers_continue(ctx: Context) -> None:
    from paperbot.bot.commands import search_reply

    second = search_reply(ctx, "models", offset=5)
    assert second.digest is not None and second.digest.first == 6
    assert second.digest.fallback_text().splitlines()[1].startswith("6. ")


def test_help_comes_from_the_grammar_table_one_line_each_without_column_padding(ctx: Context) -> None:
    from paperbot.bot.commands import GRAMMAR

    text = handle(ctx, Command(REF, "U1", "help")).text
    for sub in GRAMMAR:
        assert f"`{sub.usage}`: {sub.summary}" in text
    assert "`/papers more`" in text
    assert "  " not in text  # spaces never align columns: chat fonts are proportional


def test_more_continues_the_last_search_of_that_person_in_that_channel(ctx: Context) -> None:
    first = handle(ctx, Command(REF, "U1", "models"))
    assert first.more
    second = handle(ctx, Command(REF, "U1", "more"))
    assert second.digest is not None and second.digest.first == 6
    assert second.query == "models"
    other = handle(ctx, Command(REF, "U2", "more"))  # someone else has not searched yet
    assert other.kind == ReplyKind.WARNING and other.digest is None
