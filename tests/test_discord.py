"""Discord, end to end: the bot's real wiring (paperbot.bot.app.Bot) against the local Discord in
tests/fakes/discord.py. No dpytest, no mocks of discord.py."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import paperbot.bot.commands
from paperbot.bot.app import Bot
from paperbot.bot.cards import to_card
from paperbot.bot.config import ConfigError, load_settings
from paperbot.bot.models import ChannelRef, Digest, Paper
from paperbot.bot.ports import PostKey
from paperbot.storage import channels as channel_store
from tests.conftest import bot_env, inspect, seed
from tests.factories import hf_item
from tests.fakes.discord import BOT_TOKEN, FakeDiscord
from tests.fakes.hf import FakeHF

CHANNEL = "2000000000000000001"
AFTER_POST_TIME = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
PAPERS = [
    hf_item("2606.00001", "Sparse Mixture-of-Experts at Scale", "We train MoE models.", upvotes=10),
    hf_item("2606.00002", "Robots That Walk", "Legged robots.", upvotes=90),
    hf_item("2606.00003", "@everyone **bold** [x](http://evil)", "Ping @here <@123>.", upvotes=50),
    hf_item("2606.00004", "Expert Routing Revisited", "Mixture of experts routing.", upvotes=5),
    hf_item("2606.00005", "Tabular Foundation Models", "Tables.", upvotes=1),
]


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    server.channels[CHANNEL] = []
    yield server
    await server.stop()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, discord_fake: FakeDiscord, fake_hf: FakeHF) -> Path:
    db_path = bot_env(
        monkeypatch,
        tmp_path,
        HF_API_URL=fake_hf.url,
        DISCORD_TOKEN=BOT_TOKEN,
        DISCORD_API_BASE=discord_fake.api_base,
        DISCORD_GATEWAY_URL=discord_fake.gateway_url,
    )
    seed(db_path, PAPERS)
    return db_path


def response_text(interaction: Any) -> str:
    return json.dumps([*interaction.responses, *interaction.followups])


async def test_startup_logs_in_and_syncs_commands_once(env: Path, discord_fake: FakeDiscord) -> None:
    for _ in range(2):
        bot_ = Bot(load_settings(), tick_seconds=3600)
        await bot_.start()
        await bot_.stop()
    assert discord_fake.identifies == 2
    assert discord_fake.command_puts == 1  # the second start found the same definitions
    (command,) = discord_fake.commands
    assert command["name"] == "papers" and command["options"][0]["name"] == "query"
    assert ("GET", "/api/v10/users/@me") in discord_fake.requests


async def test_search_answers_with_moe_papers(discord_fake: FakeDiscord, running: Bot) -> None:
    interaction = await discord_fake.answered(await discord_fake.slash("moe"))
    (response,) = interaction.responses
    assert response["type"] == 4 and response["data"]["flags"] & 64  # ephemeral
    embeds = response["data"]["embeds"]
    assert "Sparse Mixture-of-Experts at Scale" in embeds[0]["title"]
    assert all("Robots" not in e["title"] for e in embeds)
    custom_ids = [c["custom_id"] for row in response["data"]["components"] for c in row["components"]]
    assert "pb:more:2606.00001" in custom_ids and any(c.startswith("pb:share:") for c in custom_ids)
    assert response["data"]["allowed_mentions"]["parse"] == []


async def test_slow_search_defers_then_follows_up(
    discord_fake: FakeDiscord, running: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_search = paperbot.bot.commands.search

    def slow_search(*args: Any, **kwargs: Any) -> Any:
        time.sleep(2.5)
        return real_search(*args, **kwargs)

    monkeypatch.setattr(paperbot.bot.commands, "search", slow_search)
    interaction = await discord_fake.answered(await discord_fake.slash("moe"), followups=1)
    assert interaction.responses[0]["type"] == 5  # deferred within 3 s
    assert "Sparse Mixture-of-Experts at Scale" in json.dumps(interaction.followups[0])


async def test_subscribe_needs_manage_channels_and_digest_arrives_with_nonce(
    discord_fake: FakeDiscord, running: Bot
) -> None:
    refused = await discord_fake.answered(await discord_fake.slash("subscribe moe", manage=False))
    assert "manage this channel" in response_text(refused)
    assert channel_store.topics(inspect(running), ChannelRef("discord", CHANNEL)) == []
    allowed = await discord_fake.answered(await discord_fake.slash("subscribe moe", manage=True))
    assert "Subscribed" in response_text(allowed)
    await running.tick(AFTER_POST_TIME)
    messages = discord_fake.channels[CHANNEL]
    assert len(messages) == 1 and messages[0]["nonce"]
    titles = [e["title"] for e in messages[0]["embeds"]]
    assert "Sparse Mixture-of-Experts at Scale" in titles[0]
    await running.tick(AFTER_POST_TIME)
    assert len(discord_fake.channels[CHANNEL]) == 1


async def test_hostile_title_renders_harmlessly(discord_fake: FakeDiscord, running: Bot) -> None:
    await discord_fake.answered(await discord_fake.slash("schedule 09:00", manage=True))
    await running.tick(AFTER_POST_TIME)
    (message,) = discord_fake.channels[CHANNEL]
    blob = json.dumps(message["embeds"])
    assert "@everyone" not in blob.replace("@\\u200beveryone", "")  # escaped with a zero-width space
    assert "\\\\*\\\\*bold\\\\*\\\\*" in blob  # markdown escaped
    assert message["allowed_mentions"]["parse"] == []


async def test_forty_papers_split_within_limits(discord_fake: FakeDiscord, running: Bot) -> None:
    cards = tuple(
        to_card(Paper(f"2606.{n:05d}", f"Paper {n} " + "long title " * 40, "Abstract sentence. " * 150))
        for n in range(40)
    )
    ref = ChannelRef("discord", CHANNEL)
    ids = await running.adapters["discord"].post(
        ref, Digest("Big", "2026-06-10", cards, "f"), PostKey(ref, "2026-06-10")
    )
    assert len(ids) >= 4 and discord_fake.rejected == []
    shown = sum(len(m["embeds"]) for m in discord_fake.channels[CHANNEL])
    assert shown == 40


async def test_a_digest_numbered_from_six_is_still_found_after_a_restart(
    discord_fake: FakeDiscord, running: Bot
) -> None:
    # A digest whose first card is number 6 (a second page, or a catch-up's continuation) must still carry
    # the marker a restarted bot looks for; it used to be lost whenever the numbering did not start at 1.
    cards = tuple(to_card(Paper(f"2606.{n:05d}", f"Paper {n}", "Abstract.")) for n in range(3))
    ref = ChannelRef("discord", CHANNEL)
    key = PostKey(ref, "2026-06-11")
    adapter = running.adapters["discord"]
    ids = await adapter.post(ref, Digest("Page two", "2026-06-11", cards, "f", first=6), key)
    assert await adapter.find_posted(ref, key) == ids


async def test_gone_or_forbidden_channels_are_paused(discord_fake: FakeDiscord, running: Bot) -> None:
    gone, forbidden = "2000000000000000009", "2000000000000000008"
    discord_fake.forbidden[forbidden] = (403, 50013, "Missing Permissions")
    for channel in (CHANNEL, gone, forbidden):
        await discord_fake.answered(
            await discord_fake.slash("subscribe moe", channel_id=channel, manage=True)
        )
    await running.tick(AFTER_POST_TIME)
    assert len(discord_fake.channels[CHANNEL]) == 1
    for channel, reason in ((gone, "Unknown Channel (10003)"), (forbidden, "Missing Permissions (50013)")):
        settings = channel_store.get_channel(inspect(running), ChannelRef("discord", channel))
        assert settings is not None and settings.paused and settings.pause_reason == reason


async def test_rate_limit_is_waited_out(discord_fake: FakeDiscord, running: Bot) -> None:
    await discord_fake.answered(await discord_fake.slash("subscribe moe", manage=True))
    discord_fake.scripted_429 = 1
    await running.tick(AFTER_POST_TIME)
    assert len(discord_fake.channels[CHANNEL]) == 1


async def test_reconnect_resumes_and_keeps_answering(discord_fake: FakeDiscord, running: Bot) -> None:
    await discord_fake.reconnect()
    await asyncio.wait_for(discord_fake.connected.wait(), 10)
    assert discord_fake.resumes == 1 and discord_fake.identifies == 1
    interaction = await discord_fake.answered(await discord_fake.slash("moe"))
    assert "Sparse Mixture-of-Experts" in response_text(interaction)


async def test_buttons_work_after_a_restart(env: Path, discord_fake: FakeDiscord) -> None:
    first = Bot(load_settings(), tick_seconds=3600)
    await first.start()
    interaction = await discord_fake.answered(await discord_fake.slash("moe"))
    await first.stop()
    custom_ids = [
        c["custom_id"] for row in interaction.responses[0]["data"]["components"] for c in row["components"]
    ]
    second = Bot(load_settings(), tick_seconds=3600)
    await second.start()
    try:
        more = await discord_fake.answered(await discord_fake.press("pb:more:2606.00001"))
        assert "Expert Routing Revisited" in response_text(more)
        share_id = next(c for c in custom_ids if c.startswith("pb:share:"))
        shared = await discord_fake.answered(await discord_fake.press(share_id))
        data = shared.responses[0]["data"]
        assert not (data.get("flags") or 0) & 64 and "shared" in data["content"]
    finally:
        await second.stop()


async def test_autocomplete_offers_subcommands_and_topics(discord_fake: FakeDiscord, running: Bot) -> None:
    await discord_fake.answered(await discord_fake.slash("subscribe kv cache", manage=True))
    interaction = await discord_fake.answered(await discord_fake.autocomplete("uns"))
    choices = interaction.responses[0]["data"]["choices"]
    assert {"name": "unsubscribe kv cache", "value": "unsubscribe kv cache"} in choices


async def test_bad_token_fails_at_start(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "wrong-secret-token")
    bot_ = Bot(load_settings(), tick_seconds=3600)
    with pytest.raises(ConfigError) as info:
        await bot_.start()
    await bot_.stop()
    assert "rejected DISCORD_TOKEN" in str(info.value) and "wrong-secret" not in str(info.value)


async def test_restart_checks_discord_before_resending(discord_fake: FakeDiscord, running: Bot) -> None:
    await discord_fake.answered(await discord_fake.slash("subscribe moe", manage=True))
    await running.tick(AFTER_POST_TIME)
    with inspect(running).conn as conn:
        conn.execute("UPDATE deliveries SET status = 'claimed', message_ids = '[]'")
    await running.tick(AFTER_POST_TIME)
    assert len(discord_fake.channels[CHANNEL]) == 1


async def test_sharded_client(env: Path, discord_fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_SHARDS", "2")
    bot_ = Bot(load_settings(), tick_seconds=3600)
    await bot_.start()
    try:
        for _ in range(100):
            if len(discord_fake.shards_seen) == 2:
                break
            await asyncio.sleep(0.05)
        assert sorted(discord_fake.shards_seen) == [[0, 2], [1, 2]]
        interaction = await discord_fake.answered(await discord_fake.slash("moe"))
        assert "Sparse Mixture-of-Experts" in response_text(interaction)
    finally:
        await bot_.stop()


async def test_slack_and_discord_on_one_loop(
    env: Path, discord_fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aiohttp

    from tests.fakes.slack import BOT_TOKEN as SLACK_TOKEN
    from tests.fakes.slack import SIGNING_SECRET, FakeSlack

    slack = FakeSlack()
    await slack.start()
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    bot_ = Bot(load_settings(), tick_seconds=3600)
    await bot_.start()
    try:
        url = f"http://127.0.0.1:{bot_.http_port}/healthz"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            health = await response.json()
        assert health["adapters"] == {"console": "running", "slack": "running", "discord": "running"}
        interaction = await discord_fake.answered(await discord_fake.slash("moe"))
        assert "Sparse Mixture-of-Experts" in response_text(interaction)
    finally:
        await bot_.stop()
        await slack.stop()


def test_discord_shows_commands_in_its_own_syntax() -> None:
    from paperbot.adapters.discord.render import digest_messages, reply_message
    from paperbot.bot.digest import FOOTER
    from paperbot.bot.models import Reply

    card = to_card(Paper("2606.00001", "A paper", "Abstract."))
    (message,) = digest_messages(Digest("Digest", "2026-06-10", (card,), FOOTER))
    footer = message.embeds[-1].footer.text or ""
    assert "/papers query: subscribe" in footer and "/papers subscribe" not in footer
    assert "/papers query: subscribe" in reply_message(Reply("Try /papers subscribe moe")).content
