"""Follow-ups on posted papers: replies in the thread of the message that carried them, through the
delivery pass and its ledger (recording adapter), then against the Slack and Discord stand-ins."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from paperbot.bot import ingest
from paperbot.bot.app import Bot
from paperbot.bot.commands import handle
from paperbot.bot.context import Context, Defaults
from paperbot.bot.models import ChannelRef, Command, Reply, ReplyKind
from paperbot.bot.ports import PostKey
from paperbot.storage import channels as channel_store
from paperbot.storage import deliveries
from paperbot.storage import follows as follow_store
from tests.conftest import (
    DISCORD_CHANNEL,
    RecordingAdapter,
    bot_env,
    deliver,
    discord_settings,
    inspect,
    load,
    seed,
    slack_settings,
    started_bot,
)
from tests.factories import hf_item
from tests.fakes.discord import FakeDiscord
from tests.fakes.hf import FakeHF
from tests.fakes.slack import FakeSlack

DAY = "2026-06-10"
AFTER_POST = datetime(2026, 6, 10, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 6, 10, 11, 0, tzinfo=UTC)
NEXT_DAY = datetime(2026, 6, 11, 7, 0, tzinfo=UTC)  # before that day's post time
CHANNEL = DISCORD_CHANNEL


def items(**changes: Any) -> list[dict[str, Any]]:
    """The day's list; `changes` alter the first paper (what a later fetch brings)."""
    first = {"upvotes": 10, **changes}
    rest = [hf_item(f"2606.0000{n}", f"Other paper {n}", "Abstract.", upvotes=n) for n in range(2, 7)]
    return [hf_item("2606.00001", "Sparse Experts", "MoE.", **first), *rest]


def channel(db: sqlite_utils.Database) -> ChannelRef:
    ref = ChannelRef("console", "a")
    channel_store.ensure_channel(db, ref, post_time="09:00", timezone="UTC", days="weekdays", size=3)
    return ref


async def test_code_and_milestones_reply_in_the_thread_once(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    ref = channel(fresh_db)
    load(fresh_db, items(upvotes=90))
    adapters = {"console": recorder}
    await deliver(fresh_db, adapters, AFTER_POST)
    ((_, digest, _),) = recorder.posts
    assert "2606.00001" in [c.arxiv_id for c in digest.cards]
    assert recorder.replies == []  # nothing new since it was posted
    load(fresh_db, items(upvotes=150, github="https://github.com/org/sparse"))
    for _ in range(2):
        await deliver(fresh_db, adapters, LATER)
    ((where, thread, text, _),) = recorder.replies
    assert where == ref and thread == "m1"  # the message that carried the paper
    assert (
        text == "Update on “Sparse Experts”: Code released: github.com/org/sparse · Now ▲ 150 on Hugging Face"
    )
    # a star milestone the same day waits: at most one follow-up per paper and day
    load(fresh_db, items(upvotes=150, github="https://github.com/org/sparse", stars=1500))
    await deliver(fresh_db, adapters, LATER)
    assert len(recorder.replies) == 1
    await deliver(fresh_db, adapters, NEXT_DAY)
    await deliver(fresh_db, adapters, NEXT_DAY)
    assert [r[2] for r in recorder.replies][1:] == ["Update on “Sparse Experts”: Now ★ 1,500 on GitHub"]
    assert deliveries.last_for(fresh_db, ref) is not None
    assert deliveries.last_for(fresh_db, ref).day == DAY  # type: ignore[union-attr]  # status: the digest


async def test_followups_off_and_a_settable_milestone(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    ref = channel(fresh_db)
    load(fresh_db, items())
    await deliver(fresh_db, {"console": recorder}, AFTER_POST)
    follow_store.set_options(fresh_db, ref, followups=False)
    load(fresh_db, items(github="https://github.com/org/sparse"))
    await deliver(fresh_db, {"console": recorder}, LATER)
    assert recorder.replies == []
    follow_store.set_options(fresh_db, ref, followups=True, upvotes_mark=20)
    load(fresh_db, items(upvotes=25, github="https://github.com/org/sparse"))
    await deliver(fresh_db, {"console": recorder}, LATER)
    # news since the channel saw the paper, folded into one reply, with the channel's own milestone
    assert [r[2] for r in recorder.replies] == [
        "Update on “Sparse Experts”: Code released: github.com/org/sparse · Now ▲ 25 on Hugging Face"
    ]


async def test_a_crash_around_a_followup_neither_doubles_nor_loses(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    channel(fresh_db)
    load(fresh_db, items())
    await deliver(fresh_db, {"console": recorder}, AFTER_POST)
    load(fresh_db, items(github="https://github.com/org/sparse"))
    recorder.failures["a"] = RuntimeError("connection reset")  # the reply certainly failed
    await deliver(fresh_db, {"console": recorder}, LATER)
    assert recorder.replies == []
    del recorder.failures["a"]
    await deliver(fresh_db, {"console": recorder}, LATER)
    assert len(recorder.replies) == 1
    # died after replying, before confirming: the restart finds the reply in the thread
    with fresh_db.conn:
        fresh_db.execute("UPDATE deliveries SET status = 'claimed' WHERE day LIKE 'followup:%'")
    await deliver(fresh_db, {"console": recorder}, LATER)
    await deliver(fresh_db, {"console": recorder}, NEXT_DAY)
    assert len(recorder.replies) == 1


async def test_a_followup_that_keeps_failing_is_given_up(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    ref = channel(fresh_db)
    load(fresh_db, items())
    await deliver(fresh_db, {"console": recorder}, AFTER_POST)
    load(fresh_db, items(github="https://github.com/org/sparse"))
    recorder.failures["a"] = RuntimeError("thread_not_found")  # the digest was deleted, say
    for _ in range(5):
        await deliver(fresh_db, {"console": recorder}, LATER)
    row = deliveries.get(fresh_db, ref, f"followup:{DAY}:2606.00001")
    assert row is not None and row.status == "failed" and row.attempts == 3
    del recorder.failures["a"]
    await deliver(fresh_db, {"console": recorder}, NEXT_DAY)
    assert recorder.replies == []


async def fetch(bot: Bot) -> None:
    outcome = await ingest.fetch_day(bot.lane, bot.client, date.fromisoformat(DAY))
    assert outcome.error is None


async def test_slack_thread_reply_once_across_restarts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack, fake_hf: FakeHF
) -> None:
    fake_slack.add_channel("C1")
    seed(bot_env(monkeypatch, tmp_path, **slack_settings(fake_slack, fake_hf)), items())
    bot = await started_bot()
    try:
        _, form = fake_slack.command_payload("schedule 09:00")
        status, _ = await fake_slack.http_request(f"http://127.0.0.1:{bot.http_port}", form)
        assert status == 200
        await bot.tick(AFTER_POST)
        (digest,) = fake_slack.messages("C1")
        fake_hf.days[DAY] = items(upvotes=120, github="https://github.com/org/<!channel>")
        await fetch(bot)  # the link is refused at the border: only the milestone is news
        await bot.stop()
        bot = await started_bot()
        await bot.tick(LATER)
        (reply,) = fake_slack.thread("C1", digest["ts"])
        assert reply["text"] == "Update on “Sparse Experts”: Now ▲ 120 on Hugging Face"
        assert reply["metadata"]["event_payload"]["key"] == f"paperbot:slack:C1:followup:{DAY}:2606.00001"
        assert reply["unfurl_links"] is False and fake_slack.pings() == []
        with inspect(bot).conn as conn:  # died after replying, before confirming
            conn.execute("UPDATE deliveries SET status = 'claimed' WHERE day LIKE 'followup:%'")
        await bot.stop()
        bot = await started_bot()
        await bot.tick(LATER)
        assert len(fake_slack.thread("C1", digest["ts"])) == 1 and len(fake_slack.messages("C1")) == 1
        assert fake_slack.rejected == []
    finally:
        await bot.stop()


async def test_discord_reply_references_the_digest_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, discord_fake: FakeDiscord, fake_hf: FakeHF
) -> None:
    seed(bot_env(monkeypatch, tmp_path, **discord_settings(discord_fake, fake_hf)), items())
    bot = await started_bot()
    try:
        await discord_fake.answered(await discord_fake.slash("schedule 09:00", manage=True))
        off: Any = await discord_fake.answered(await discord_fake.slash("followups sometimes", manage=True))
        assert "usage: /papers query: followups" in json.dumps(off.responses)
        await bot.tick(AFTER_POST)
        (digest,) = discord_fake.channels[CHANNEL]
        fake_hf.days[DAY] = items(github="https://github.com/org/sparse", stars=1000)
        await fetch(bot)
        await bot.stop()
        bot = await started_bot()
        await bot.tick(LATER)
        await bot.tick(LATER)
        digest_again, reply = discord_fake.channels[CHANNEL]
        assert digest_again["id"] == digest["id"]
        assert str(reply["message_reference"]["message_id"]) == digest["id"]
        assert reply["content"].startswith(
            "Update on “Sparse Experts”: Code released: github.com/org/sparse · Now ★ 1,000 on GitHub"
        )
        assert reply["allowed_mentions"]["parse"] == [] and discord_fake.rejected == []
    finally:
        await bot.stop()


async def test_the_stand_ins_refuse_a_reply_to_a_message_that_is_not_there(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_slack: FakeSlack,
    discord_fake: FakeDiscord,
    fake_hf: FakeHF,
) -> None:
    fake_slack.add_channel("C1")
    settings = {**slack_settings(fake_slack, fake_hf), **discord_settings(discord_fake, fake_hf)}
    bot_env(monkeypatch, tmp_path, **settings)
    bot = await started_bot()
    try:
        cases: tuple[tuple[str, str, str, list[str] | None], ...] = (
            ("slack", "C1", "1780000099.000000", None),
            ("discord", CHANNEL, "123", []),
        )
        for platform, channel_id, thread, found in cases:
            ref = ChannelRef(platform, channel_id)
            key = PostKey(ref, "followup:2026-06-10:2606.00001", thread)
            with pytest.raises(Exception, match=r"thread_not_found|50035"):
                await bot.adapters[platform].reply(ref, thread, "Update", key)
            # Slack cannot look into a thread that is not there (None: never resend); Discord sees no reply
            assert await bot.adapters[platform].find_posted(ref, key) == found
        assert fake_slack.rejected == [("thread_not_found", ["1780000099.000000"])]
        assert discord_fake.rejected == [["message_reference: unknown message"]]
        assert fake_slack.messages("C1") == [] and discord_fake.channels[CHANNEL] == []
    finally:
        await bot.stop()


def test_followups_command(fresh_db: sqlite_utils.Database) -> None:
    ctx = Context(fresh_db, Defaults())
    ref = ChannelRef("slack", "C1")

    def run(text: str) -> Reply:
        return handle(ctx, Command(ref, "U1", text))

    for bad in (
        "followups",
        "followups maybe",
        "followups upvotes",
        "followups upvotes 0",
        "followups stars -5",
        "followups stars ²",
        "followups upvotes " + "1" * 5000,
    ):
        before = fresh_db.execute("SELECT * FROM follow_options").fetchall()
        reply = run(bad)
        assert reply.kind == ReplyKind.ERROR and "\n" not in reply.text
        assert fresh_db.execute("SELECT * FROM follow_options").fetchall() == before
    assert run("followups upvotes 250").kind == ReplyKind.SUCCESS
    assert run("followups off").kind == ReplyKind.SUCCESS
    options = follow_store.options(fresh_db, ref)
    assert options.upvotes_mark == 250 and options.stars_mark == 1000 and not options.followups
    assert "Follow-ups: off" in run("topics").text
    run("followups on")
    assert "▲ 250 upvotes, ★ 1,000 stars" in run("topics").text
