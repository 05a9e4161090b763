"""Alerts end to end: the bot's real wiring against the local Slack and Discord, a followed author's paper
arriving in a later Hugging Face fetch, across restarts and crashes between fetch, post and confirm."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from paperbot.bot import ingest
from paperbot.bot.app import Bot
from tests.conftest import (
    DISCORD_CHANNEL,
    bot_env,
    discord_settings,
    inspect,
    seed,
    slack_settings,
    started_bot,
)
from tests.factories import hf_item
from tests.fakes.discord import FakeDiscord
from tests.fakes.hf import FakeHF
from tests.fakes.slack import FakeSlack

DAY = "2026-06-10"
BEFORE_POST = datetime(2026, 6, 10, 7, 0, tzinfo=UTC)  # no digest is due: only alerts can go out
CHANNEL = DISCORD_CHANNEL
OLD = [hf_item(f"2606.0000{n}", f"Old paper {n}", "Abstract.", upvotes=n) for n in range(1, 6)]
NEW = hf_item("2606.00100", "FlashAttention-9 <!channel>", "Faster.", authors=("Tri Dao", "Ada Lovelace"))


async def fetch(bot: Bot) -> None:
    """The bot's own fetch path, as the periodic fetch runs it."""
    outcome = await ingest.fetch_day(bot.lane, bot.client, date.fromisoformat(DAY))
    assert outcome.error is None


async def crash_and_restart(bot: Bot) -> Bot:
    await bot.stop()
    return await started_bot()


async def test_slack_alert_once_across_restarts_and_unfollow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack, fake_hf: FakeHF
) -> None:
    fake_slack.add_channel("C1")
    seed(bot_env(monkeypatch, tmp_path, **slack_settings(fake_slack, fake_hf)), OLD)
    bot = await started_bot()
    try:
        _, form = fake_slack.command_payload('follow author:"Trí Dao"')
        status, body = await fake_slack.http_request(f"http://127.0.0.1:{bot.http_port}", form)
        assert status == 200 and "Following" in body
        await bot.tick(BEFORE_POST)
        assert fake_slack.messages("C1") == []  # nothing by Tri Dao yet
        fake_hf.days[DAY] = [*OLD, NEW]
        await fetch(bot)
        bot = await crash_and_restart(bot)  # killed between fetch and post
        await bot.tick(BEFORE_POST)
        (alert,) = fake_slack.messages("C1")
        blocks = json.dumps(alert["blocks"])
        assert "New from Tri Dao" in blocks and "new from Tri Dao" in blocks
        assert "FlashAttention-9 &lt;!channel&gt;" in blocks and "Old paper" not in blocks
        assert fake_slack.pings() == []
        assert alert["metadata"]["event_payload"]["key"].startswith(
            f"paperbot:slack:C1:alert:{BEFORE_POST:%Y-%m-%d}:"
        )
        # killed after posting, before confirming: the restarted bot finds the message, sends nothing
        with inspect(bot).conn as conn:
            conn.execute("UPDATE deliveries SET status = 'claimed', message_ids = '[]'")
            conn.execute("DELETE FROM sent_papers")
        bot = await crash_and_restart(bot)
        await fetch(bot)
        await bot.tick(BEFORE_POST)
        await bot.tick(BEFORE_POST)
        assert len(fake_slack.messages("C1")) == 1
        # unfollow: the next paper by Tri Dao is not announced
        _, form = fake_slack.command_payload("unfollow author:tri dao")
        status, body = await fake_slack.http_request(f"http://127.0.0.1:{bot.http_port}", form)
        assert status == 200 and "Unfollowed" in body
        fake_hf.days[DAY] = [*OLD, NEW, hf_item("2606.00101", "Another", "A.", authors=("Tri Dao", "X Y"))]
        await fetch(bot)
        await bot.tick(BEFORE_POST)
        assert len(fake_slack.messages("C1")) == 1
    finally:
        await bot.stop()


async def test_discord_alert_once_across_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, discord_fake: FakeDiscord, fake_hf: FakeHF
) -> None:
    seed(bot_env(monkeypatch, tmp_path, **discord_settings(discord_fake, fake_hf)), OLD)
    bot = await started_bot()
    try:
        bad: Any = await discord_fake.answered(await discord_fake.slash("follow author:Dao", manage=True))
        assert "full name" in json.dumps(bad.responses)
        ok: Any = await discord_fake.answered(
            await discord_fake.slash('follow author:"Tri Dao"', manage=True)
        )
        assert "Following" in json.dumps(ok.responses)
        fake_hf.days[DAY] = [*OLD, NEW]
        await fetch(bot)
        # killed after claiming, before posting: the restart checks Discord, finds nothing, sends once
        slot = f"alert:{BEFORE_POST:%Y-%m-%d}:"
        with inspect(bot).conn as conn:
            conn.execute(
                "INSERT INTO deliveries (channel_key, day, status, claimed_at, papers) VALUES (?, ?, 'claimed', ?, ?)",
                [f"discord:{CHANNEL}", slot + "x", "2026-06-10T06:00:00Z", json.dumps(["2606.00100"])],
            )
        bot = await crash_and_restart(bot)
        await bot.tick(BEFORE_POST)
        # the leftover claim was released (Discord has no such message), then the alert sent once
        messages = discord_fake.channels[CHANNEL]
        assert len(messages) == 1 and messages[0]["nonce"]
        (embed,) = messages[0]["embeds"]
        assert "FlashAttention-9" in embed["title"] and "new from Tri Dao" in embed["description"]
        bot = await crash_and_restart(bot)
        await bot.tick(BEFORE_POST)
        assert len(discord_fake.channels[CHANNEL]) == 1 and discord_fake.rejected == []
    finally:
        await bot.stop()
