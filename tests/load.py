"""Slash commands under load, shared by a test and `bench/ack_latency.py`: `paperbot run` (a real
process, Slack HTTP mode against the local Slack) answers `/papers` commands while another process holds
SQLite's write lock and a delivery tick fans out to thousands of channels. Returns each command's
acknowledgement time as Slack would measure it (request sent to HTTP answer)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from paperbot.bot.ingest import import_batch
from paperbot.bot.models import ChannelRef
from paperbot.bot.sources.files import ImportBatch
from paperbot.bot.sources.hf import parse_daily
from paperbot.storage import channels as channel_store
from paperbot.storage.db import open_db
from tests.factories import day_items
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, AckTimeout, FakeSlack

COMMANDS = ("moe", "help", "subscribe kv cache", "status", "diffusion", "topics")
HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def seed_due_channels(db_path: Path, slack: FakeSlack, channels: int) -> None:
    """Today's list, and `channels` Slack channels whose digest is due right now."""
    db = open_db(db_path)
    today = datetime.now(UTC).date().isoformat()
    listed = parse_daily(day_items(today, 40))
    import_batch(db, ImportBatch(papers=[lp.paper for lp in listed], listed=listed))
    due = (datetime.now(UTC) - timedelta(minutes=2)).strftime("%H:%M")
    for n in range(channels):
        slack.add_channel(f"C{n}")
        ref = ChannelRef("slack", f"C{n}", "T1")
        channel_store.ensure_channel(db, ref, post_time=due, timezone="UTC", days="daily", size=5)
    with db.conn:
        db.execute("UPDATE channels SET created_at = '2026-01-01T00:00:00Z'")
    db.close()


async def _wait_healthy(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"paperbot run exited with {proc.returncode}")
            try:
                async with session.get(f"{url}/healthz") as response:
                    if response.status in (200, 503):
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("paperbot run did not answer /healthz within 30 s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def ack_times(
    tmp: Path, *, channels: int = 2000, hold_seconds: float = 10.0, after_seconds: float = 8.0
) -> tuple[list[float], int]:
    """Ack times of commands sent every 0.25 s while the lock is held (the fan-out, which must write its
    ledger, waits for it too) and for `after_seconds` more while the fan-out runs. Also returns how many
    digests the fan-out had posted by the end (evidence that it really ran meanwhile)."""
    slack = FakeSlack()
    await slack.start()
    db_path = tmp / "load.db"
    seed_due_channels(db_path, slack, channels)
    slack.add_channel("CUSER")
    env = {
        **os.environ,
        "PAPERBOT_DB": str(db_path),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "PAPERBOT_HTTP_PORT": str(port := free_port()),
        "HF_API_URL": "http://127.0.0.1:9",
        "PAPERBOT_RETRY_BACKOFF": "0",
    }
    for name in ("SLACK_APP_TOKEN", "DISCORD_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        env.pop(name, None)
    bot = subprocess.Popen(
        [sys.executable, "-m", "paperbot.bot", "run"], env=env, cwd=tmp, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    holder: subprocess.Popen[bytes] | None = None
    times: list[float] = []
    try:
        await _wait_healthy(url, bot)
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, str(db_path), str(hold_seconds)], stdout=subprocess.PIPE
        )
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
        end = time.monotonic() + hold_seconds + after_seconds
        n = 0
        while time.monotonic() < end:
            _, form = slack.command_payload(COMMANDS[n % len(COMMANDS)], channel="CUSER")
            started = time.monotonic()
            try:
                status, _ = await slack.http_request(url, form)
            except AckTimeout:
                status = 0
            times.append(time.monotonic() - started if status == 200 else float("inf"))
            n += 1
            await asyncio.sleep(0.25)
        posted = sum(1 for c in slack.channels.values() if c.messages)
    finally:
        if holder is not None:
            holder.kill()
            holder.wait()
        bot.terminate()
        try:
            bot.wait(timeout=30)
        except subprocess.TimeoutExpired:
            bot.kill()
            bot.wait()
        await slack.stop()
    return times, posted
