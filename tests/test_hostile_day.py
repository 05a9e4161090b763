"""A hostile Hugging Face day fetched by the running bot (`paperbot run` wiring) before it posts:
ping-shaped and javascript: links, wrong types, impossible dates, masked links. The good papers are
searchable and delivered; nothing posted pings anyone or carries a link the bot did not build.
A 100,000-paper day is capped at the border and parsed off the event loop: /healthz and slash commands
answer within a second throughout."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from paperbot.bot.app import Bot
from paperbot.bot.models import ChannelRef
from paperbot.bot.sources.hf import MAX_PAPERS_PER_DAY
from paperbot.storage import channels as channel_store
from paperbot.storage import papers as paper_store
from tests.conftest import (
    assert_only_links_to,
    bot_env,
    discord_settings,
    inspect,
    slack_settings,
    started_bot,
)
from tests.factories import day_items, hostile_items
from tests.fakes.discord import FakeDiscord
from tests.fakes.hf import FakeHF
from tests.fakes.slack import FakeSlack
from tests.test_border import hostile_day

DAY = "2026-06-10"
AFTER_POST_TIME = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
DISCORD_CHANNEL = "2000000000000000001"
OUR_HOSTS = {"huggingface.co", "arxiv.org"}
GOOD = [f"2606.{n:05d}" for n in range(1, 6)]  # hostile_day's usable papers


def the_day() -> list[Any]:
    # Wrong types and impossible values first (they try to take the day down), then papers whose text
    # and links try to ping or spoof; all but the nine broken records are usable.
    return [*hostile_day(), *hostile_items(DAY)]


def assert_only_our_links(targets: list[str]) -> None:
    assert_only_links_to(OUR_HOSTS, targets)


async def deliver(bot: Bot, ref: ChannelRef) -> None:
    channel_store.ensure_channel(inspect(bot), ref, post_time="09:00", timezone="UTC", days="daily", size=20)
    report = await bot.tick(AFTER_POST_TIME)
    assert report.sent and not report.failed, report


@pytest.fixture
async def slack_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack, fake_hf: FakeHF
) -> AsyncIterator[Bot]:
    fake_slack.add_channel("C1")
    fake_hf.days[DAY] = the_day()
    bot_env(monkeypatch, tmp_path, **slack_settings(fake_slack, fake_hf))
    bot = await started_bot()
    yield bot
    await bot.stop()


async def test_hostile_day_through_slack(fake_slack: FakeSlack, fake_hf: FakeHF, slack_bot: Bot) -> None:
    await deliver(slack_bot, ChannelRef("slack", "C1"))
    assert any(r.get("date") == DAY for r in fake_hf.requests)  # fetched by the bot itself
    listed = {e.paper_id for e in paper_store.daily_list(inspect(slack_bot), DAY)}
    assert set(GOOD) <= listed and len(listed) == 5 + 12
    posted = json.dumps([m["blocks"] for m in fake_slack.messages("C1")])
    assert all(f"Sparse Mixture of Experts {n}" in posted for n in range(1, 5)) and "Huge xxx" in posted
    assert "Hostile paper 0" in posted
    # searchable, through a real signed slash command
    _, form = fake_slack.command_payload("sparse mixture of experts")
    status, body = await fake_slack.http_request(f"http://127.0.0.1:{slack_bot.http_port}", form)
    assert status == 200 and "Sparse Mixture of Experts 1" in body
    assert fake_slack.pings() == []
    assert fake_slack.unsafe_links() == []
    assert_only_our_links([target for target, _ in fake_slack.links()])
    assert fake_slack.rejected == []


@pytest.fixture
async def discord_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_hf: FakeHF
) -> AsyncIterator[tuple[Bot, FakeDiscord]]:
    server = FakeDiscord()
    await server.start()
    server.channels[DISCORD_CHANNEL] = []
    fake_hf.days[DAY] = the_day()
    bot_env(monkeypatch, tmp_path, **discord_settings(server, fake_hf))
    bot = await started_bot()
    yield bot, server
    await bot.stop()
    await server.stop()


async def test_hostile_day_through_discord(discord_bot: tuple[Bot, FakeDiscord]) -> None:
    bot, discord_fake = discord_bot
    await deliver(bot, ChannelRef("discord", DISCORD_CHANNEL))
    posted = json.dumps(discord_fake.channels[DISCORD_CHANNEL])
    assert all(f"Sparse Mixture of Experts {n}" in posted for n in range(1, 5)) and "Huge xxx" in posted
    interaction = await discord_fake.answered(await discord_fake.slash("sparse mixture of experts"))
    assert "Sparse Mixture of Experts 1" in json.dumps(interaction.responses)
    assert discord_fake.rejected == []
    assert discord_fake.pings() == []
    links = discord_fake.links()
    assert {label for label, _ in links} <= {"HF", "arXiv", "PDF"}
    assert_only_our_links([url for _, url in links])


async def test_a_hundred_thousand_paper_day_never_blocks_healthz_or_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack, fake_hf: FakeHF
) -> None:
    fake_slack.add_channel("C1")
    fake_hf.days[DAY] = day_items(DAY, 100_000)
    bot_env(monkeypatch, tmp_path, **slack_settings(fake_slack, fake_hf))
    bot = await started_bot()
    url = f"http://127.0.0.1:{bot.http_port}"
    waits: list[float] = []
    try:
        fetching = asyncio.ensure_future(bot.fetch_before_post(DAY))
        async with aiohttp.ClientSession() as session:
            while not fetching.done():
                started = time.monotonic()
                async with session.get(f"{url}/healthz", timeout=aiohttp.ClientTimeout(total=5)) as response:
                    assert response.status in (200, 503)
                waits.append(time.monotonic() - started)
                await asyncio.sleep(0.05)
        await fetching
        _, form = fake_slack.command_payload("mixture of experts")
        started = time.monotonic()
        status, _ = await fake_slack.http_request(url, form)
        command_wait = time.monotonic() - started
        listed = paper_store.daily_list(inspect(bot), DAY)
    finally:
        await bot.stop()
    assert len(listed) == MAX_PAPERS_PER_DAY  # capped, with a log line, not 100,000 rows
    assert waits and max(waits) < 1.0, sorted(waits)[-3:]
    assert status == 200 and command_wait < 1.0
