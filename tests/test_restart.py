"""Restart safety as a process test: `paperbot run` against the local Slack and Discord, SIGKILLed at random
points of a 50-channel fan-out (30 Slack, 20 Discord; one in five a weekly roll-up), restarted, and every channel counted: no
duplicates, nothing missing."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from paperbot.bot import weekly
from paperbot.bot.ingest import import_batch
from paperbot.bot.models import ChannelRef
from paperbot.bot.schedule import DAY_NAMES
from paperbot.bot.sources.files import ImportBatch
from paperbot.bot.sources.hf import parse_daily
from paperbot.storage import channels as channel_store
from paperbot.storage.db import open_db
from tests.factories import day_items
from tests.fakes.discord import BOT_TOKEN as DISCORD_TOKEN
from tests.fakes.discord import GUILD_ID, FakeDiscord
from tests.fakes.hf import FakeHF
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack

SLACK_CHANNELS = 30
DISCORD_CHANNELS = 20
CHANNELS = SLACK_CHANNELS + DISCORD_CHANNELS
TRIALS = 20
WEEKLY_EVERY = 5  # every fifth channel gets the weekly roll-up instead of the daily digest


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


def discord_id(n: int) -> str:
    return str(2_000_000_000_000_000_100 + n)


def prepare(db_path: Path, slack: FakeSlack, discord: FakeDiscord, today: str) -> None:
    """50 subscribed channels whose post time passed half an hour ago (one in five weekly, due today),
    and today's list."""
    now = datetime.now(UTC)
    post = now - timedelta(minutes=30)
    post_time = post.strftime("%H:%M") if post.date() == now.date() else "00:00"
    db = open_db(db_path)
    listed = parse_daily(day_items(today, 8))
    import_batch(db, ImportBatch(papers=[lp.paper for lp in listed], listed=listed))
    refs = []
    for n in range(SLACK_CHANNELS):
        slack.add_channel(f"C{n}")
        refs.append(ChannelRef("slack", f"C{n}", "T1"))
    for n in range(DISCORD_CHANNELS):
        discord.channels[discord_id(n)] = []
        refs.append(ChannelRef("discord", discord_id(n), GUILD_ID))
    weekday = DAY_NAMES[date.fromisoformat(today).weekday()]
    for n, ref in enumerate(refs):
        channel_store.ensure_channel(db, ref, post_time=post_time, timezone="UTC", days="daily", size=3)
        if n % WEEKLY_EVERY == 0:  # a weekly roll-up due today: the same ledger, slot "week:YYYY-Www"
            channel_store.update_channel(db, ref, cadence="weekly", days=weekday)
    # created today at midnight: no earlier day is owed, so today's digest is the only one
    db.execute("UPDATE channels SET created_at = ?", [f"{today}T00:00:00.000Z"])
    db.conn.commit()
    db.close()


def run_env(db_path: Path, hf: FakeHF, slack: FakeSlack, discord: FakeDiscord) -> dict[str, str]:
    """The environment of a `paperbot run` process against the three stand-ins."""
    env = {
        **os.environ,
        "PAPERBOT_DB": str(db_path),
        "HF_API_URL": hf.url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DISCORD_TOKEN": DISCORD_TOKEN,
        "DISCORD_API_BASE": discord.api_base,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
        "PAPERBOT_HTTP_PORT": "0",
        "PAPERBOT_LOG_LEVEL": "WARNING",
    }
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "DISCORD_SHARDS"):
        env.pop(name, None)
    return env


async def spawn(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "paperbot.bot",
        "run",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def healthy(port: int, timeout: float = 30) -> bool:
    """Wait for /healthz: only a started bot has its SIGTERM handler in place."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return True
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    return False


def per_channel(slack: FakeSlack, discord: FakeDiscord) -> dict[str, int]:
    counts = {f"slack:{cid}": len(c.messages) for cid, c in slack.channels.items()}
    counts.update({f"discord:{cid}": len(messages) for cid, messages in discord.channels.items()})
    return counts


def posted(slack: FakeSlack, discord: FakeDiscord) -> int:
    return sum(per_channel(slack, discord).values())


async def wait_until(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.005)
    return False


async def test_sigkill_during_fan_out_never_duplicates_or_loses(
    tmp_path: Path, fake_slack: FakeSlack, discord_fake: FakeDiscord, fake_hf: FakeHF
) -> None:
    slack, discord = fake_slack, discord_fake
    today = datetime.now(UTC).date().isoformat()
    fake_hf.days[today] = day_items(today, 8)
    rng = random.Random(20261126)
    week = weekly.slot(date.fromisoformat(today) - timedelta(days=date.fromisoformat(today).weekday()))

    def slot(n: int) -> str:
        return week if n % WEEKLY_EVERY == 0 else today

    kill_points = sorted(rng.sample(range(CHANNELS), TRIALS))
    killed_mid_fan_out = 0
    for trial, kill_after in enumerate(kill_points):
        slack.channels.clear()
        discord.channels.clear()
        db_path = tmp_path / f"trial{trial}.db"
        prepare(db_path, slack, discord, today)
        env = run_env(db_path, fake_hf, slack, discord)
        proc = await spawn(env)
        reached = await wait_until(lambda k=kill_after: posted(slack, discord) >= k, 30)  # type: ignore[misc]
        assert reached, f"trial {trial}: the bot never reached {kill_after} posts"
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        killed_mid_fan_out += posted(slack, discord) < CHANNELS

        port = free_port()
        restarted = await spawn({**env, "PAPERBOT_HTTP_PORT": str(port)})
        done = await wait_until(lambda: posted(slack, discord) >= CHANNELS, 30)
        assert await healthy(port), f"trial {trial}: the restarted bot never became healthy"
        await asyncio.sleep(0.3)  # room for a duplicate to show up, if the bot were to send one
        restarted.send_signal(signal.SIGTERM)
        _, stderr = await restarted.communicate()
        assert restarted.returncode == 0, stderr.decode()[-2000:]
        assert done, (
            f"trial {trial} (killed after {kill_after}): only {posted(slack, discord)} of {CHANNELS} channels served"
        )
        counts = per_channel(slack, discord)
        assert len(counts) == CHANNELS and set(counts.values()) == {1}, (
            f"trial {trial} (killed after {kill_after}): {counts}"
        )
        keys = {c.messages[0]["metadata"]["event_payload"]["key"] for c in slack.channels.values()}
        assert keys == {f"paperbot:slack:C{n}:{slot(n)}" for n in range(SLACK_CHANNELS)}
        footers = {
            cid: messages[0]["embeds"][-1]["footer"]["text"] for cid, messages in discord.channels.items()
        }
        assert all(
            footers[discord_id(n)].endswith(f"digest {slot(SLACK_CHANNELS + n)}")
            for n in range(DISCORD_CHANNELS)
        )
    assert killed_mid_fan_out >= TRIALS // 2  # the kills really landed inside the fan-out
