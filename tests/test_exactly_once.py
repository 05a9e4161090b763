"""Exactly once under concurrency: delivery passes that overlap (two `paperbot deliver` processes, two
passes inside one process, two `paperbot run` on one database) against a Slack whose chat.postMessage
takes 0.3 s, so a message is not yet visible while another pass looks for it. Every channel must get its
digest exactly once, in every trial."""

from __future__ import annotations

import asyncio
import os
import random
import sys
from datetime import datetime
from pathlib import Path

import pytest

from paperbot.bot.app import Bot
from paperbot.bot.config import load_settings
from paperbot.bot.ingest import import_batch
from paperbot.bot.models import ChannelRef
from paperbot.bot.sources.files import ImportBatch
from paperbot.bot.sources.hf import parse_daily
from paperbot.storage import channels as channel_store
from paperbot.storage.db import open_db
from tests.conftest import bot_env
from tests.factories import day_items
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack

DAY = "2026-06-10"
AT = "2026-06-10T09:30:00+00:00"
TRIALS = 20
CHANNELS = 10


def prepare(db_path: Path, slack: FakeSlack, prefix: str = "C") -> list[str]:
    db = open_db(db_path)
    listed = parse_daily(day_items(DAY, 8))
    import_batch(db, ImportBatch(papers=[lp.paper for lp in listed], listed=listed))
    names = [f"{prefix}{n}" for n in range(CHANNELS)]
    for name in names:
        slack.add_channel(name)
        ref = ChannelRef("slack", name, "T1")
        channel_store.ensure_channel(db, ref, post_time="09:00", timezone="UTC", days="daily", size=3)
    with db.conn:
        db.execute("UPDATE channels SET created_at = ?", [f"{DAY}T00:00:00.000Z"])
    db.close()
    return names


def slack_env(db_path: Path, slack: FakeSlack) -> dict[str, str]:
    env = {
        **os.environ,
        "PAPERBOT_DB": str(db_path),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "HF_API_URL": "http://127.0.0.1:9",
        "PAPERBOT_RETRY_BACKOFF": "0",
        "PAPERBOT_HTTP_PORT": "0",
    }
    for name in ("SLACK_APP_TOKEN", "DISCORD_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        env.pop(name, None)
    return env


async def paperbot(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "paperbot.bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def running_bot(env: dict[str, str], cwd: Path, db_path: Path) -> asyncio.subprocess.Process:
    """`paperbot run` in a process of its own, once it holds the database's delivery lock."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "paperbot.bot", "run", env=env, cwd=cwd, stderr=asyncio.subprocess.PIPE
    )
    lock = Path(f"{db_path}.lock")
    for _ in range(200):
        if lock.exists() and "paperbot run" in lock.read_text():
            break
        await asyncio.sleep(0.05)
    return proc


def counts(slack: FakeSlack, channels: list[str]) -> dict[str, int]:
    return {c: len(slack.messages(c)) for c in channels}


async def test_two_deliver_processes_started_apart_post_each_digest_once(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    fake_slack.post_latency = 0.3
    rng = random.Random(10)

    async def trial(n: int) -> None:
        folder = tmp_path / f"t{n}"
        folder.mkdir()
        db_path = folder / "bot.db"
        channels = prepare(db_path, fake_slack, prefix=f"T{n}C")
        env = slack_env(db_path, fake_slack)
        first = asyncio.ensure_future(paperbot(env, folder, "deliver", "--at", AT))
        await asyncio.sleep(rng.uniform(0.15, 0.45))
        second = await paperbot(env, folder, "deliver", "--at", AT)
        (code1, out1), (code2, out2) = await first, second
        assert (code1, code2) == (0, 0), (out1, out2)
        assert counts(fake_slack, channels) == dict.fromkeys(channels, 1), f"trial {n}: {out1} {out2}"

    for batch in range(0, TRIALS, 4):  # four trials at a time, each on its own database and channels
        await asyncio.gather(*(trial(n) for n in range(batch, min(batch + 4, TRIALS))))


async def test_overlapping_passes_in_one_process_post_each_digest_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack
) -> None:
    fake_slack.post_latency = 0.3
    rng = random.Random(11)
    at = datetime.fromisoformat(AT)
    for trial in range(TRIALS):
        db_path = bot_env(
            monkeypatch,
            tmp_path,
            PAPERBOT_DB=str(tmp_path / f"p{trial}.db"),
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake_slack.api_url,
        )
        channels = prepare(db_path, fake_slack)
        bot = Bot(load_settings(), tick_seconds=3600)
        bot.fetch_fresh = bot.fetch_fresh * 10_000  # the list is stored; no fetching here
        await bot.start_adapters()
        try:
            # the safety tick, then two channels' cron jobs while its posts are still in flight
            first = asyncio.ensure_future(bot.tick(at))
            await asyncio.sleep(rng.uniform(0.1, 0.4))
            later = [bot.tick(at, only="slack:C0"), bot.tick(at, only="slack:C9"), bot.tick(at)]
            await asyncio.gather(first, *later)
        finally:
            await bot.stop()
        assert counts(fake_slack, channels) == dict.fromkeys(channels, 1), f"trial {trial}"
        fake_slack.channels.clear()


async def test_a_second_run_on_the_same_database_refuses_in_one_line(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    db_path = tmp_path / "bot.db"
    channels = prepare(db_path, fake_slack)
    env = slack_env(db_path, fake_slack)
    first = await running_bot(env, tmp_path, db_path)
    try:
        # a second `run` must give up at once, not start delivering beside the first
        code, out = await asyncio.wait_for(paperbot(env, tmp_path, "run"), 30)
        assert code != 0
        lines = [line for line in out.splitlines() if line.strip()]
        assert len(lines) == 1 and "another paperbot" in lines[0] and "stop it first" in lines[0], out
        code, out = await paperbot(env, tmp_path, "deliver", "--at", AT)
        assert code != 0 and "another paperbot" in out and len(out.strip().splitlines()) == 1, out
    finally:
        first.terminate()
        await first.wait()
    # only the first process ever delivered: nothing twice
    assert all(n <= 1 for n in counts(fake_slack, channels).values())


async def test_the_same_database_through_a_symlink_has_the_same_lock(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    db_path = tmp_path / "bot.db"
    prepare(db_path, fake_slack)
    link = tmp_path / "link.db"
    link.symlink_to(db_path)
    env = slack_env(db_path, fake_slack)
    first = await running_bot(env, tmp_path, db_path)
    try:
        code, out = await asyncio.wait_for(
            paperbot({**env, "PAPERBOT_DB": str(link)}, tmp_path, "deliver", "--at", AT), 30
        )
        assert code != 0 and "another paperbot" in out, out
    finally:
        first.terminate()
        await first.wait()
