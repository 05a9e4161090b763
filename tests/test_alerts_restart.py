"""Alerts as a process test: `paperbot run` fetches a day with a new paper by a followed author and fans
the alert out to 12 channels (8 Slack, 4 Discord); it is SIGKILLed right after the fetch or part-way
through the fan-out, restarted, and every channel counted: exactly one alert each, never two."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from paperbot.bot.follows import parse_follow
from paperbot.bot.models import ChannelRef
from paperbot.storage import channels as channel_store
from paperbot.storage import follows as follow_store
from paperbot.storage.db import open_db
from tests.factories import day_items, hf_item
from tests.fakes.discord import GUILD_ID, FakeDiscord
from tests.fakes.hf import FakeHF
from tests.fakes.slack import FakeSlack
from tests.test_restart import discord_id, free_port, healthy, run_env, spawn, wait_until

SLACK_CHANNELS, DISCORD_CHANNELS = 8, 4
CHANNELS = SLACK_CHANNELS + DISCORD_CHANNELS
KILL_AFTER = (0, 3, 7, 10)  # alerts posted before the kill; 0: right after the fetch reached Hugging Face


def prepare(db_path: Path, slack: FakeSlack, discord: FakeDiscord) -> None:
    """Channels following Tri Dao whose digest is not due (its post time is hours away or long past)."""
    post_time = (datetime.now(UTC) + timedelta(hours=8)).strftime("%H:%M")
    db = open_db(db_path)
    refs = [ChannelRef("slack", f"C{n}", "T1") for n in range(SLACK_CHANNELS)]
    refs += [ChannelRef("discord", discord_id(n), GUILD_ID) for n in range(DISCORD_CHANNELS)]
    for ref in refs:
        if ref.platform == "slack":
            slack.add_channel(ref.channel)
        else:
            discord.channels[ref.channel] = []
        channel_store.ensure_channel(db, ref, post_time=post_time, timezone="UTC", days="daily", size=3)
        follow_store.add_follow(db, ref, parse_follow('author:"Tri Dao"'), "U1")
    db.close()


def alerts(slack: FakeSlack, discord: FakeDiscord) -> dict[str, int]:
    counts = {f"slack:{cid}": len(c.messages) for cid, c in slack.channels.items()}
    counts.update({f"discord:{cid}": len(messages) for cid, messages in discord.channels.items()})
    return counts


async def test_sigkill_between_fetch_and_alert_never_duplicates_or_loses(
    tmp_path: Path, fake_slack: FakeSlack, discord_fake: FakeDiscord, fake_hf: FakeHF
) -> None:
    slack, discord = fake_slack, discord_fake
    today = datetime.now(UTC).date().isoformat()
    paper = hf_item("2606.09999", "FlashAttention-9", "Faster.", day=today, authors=("Trí Dao", "A B"))
    fake_hf.days[today] = [*day_items(today, 6), paper]
    landed_early = 0
    for trial, kill_after in enumerate(KILL_AFTER):
        slack.channels.clear()
        discord.channels.clear()
        fake_hf.requests.clear()
        db_path = tmp_path / f"trial{trial}.db"
        prepare(db_path, slack, discord)
        env = run_env(db_path, fake_hf, slack, discord)
        proc = await spawn(env)
        if kill_after == 0:
            reached = await wait_until(lambda: bool(fake_hf.requests), 30)
        else:
            reached = await wait_until(lambda k=kill_after: sum(alerts(slack, discord).values()) >= k, 30)  # type: ignore[misc]
        assert reached, f"trial {trial}: the bot never got to {kill_after} alerts"
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        landed_early += sum(alerts(slack, discord).values()) < CHANNELS

        port = free_port()
        restarted = await spawn({**env, "PAPERBOT_HTTP_PORT": str(port)})
        done = await wait_until(lambda: sum(alerts(slack, discord).values()) >= CHANNELS, 30)
        assert await healthy(port), f"trial {trial}: the restarted bot never became healthy"
        await asyncio.sleep(0.3)  # room for a duplicate to show up, if the bot were to send one
        restarted.send_signal(signal.SIGTERM)
        _, stderr = await restarted.communicate()
        assert restarted.returncode == 0, stderr.decode()[-2000:]
        counts = alerts(slack, discord)
        assert done and set(counts.values()) == {1}, f"trial {trial} (killed after {kill_after}): {counts}"
        for channel in slack.channels.values():
            assert "New from Trí Dao" in str(channel.messages[0]["blocks"])
            assert channel.messages[0]["metadata"]["event_payload"]["key"].split(":")[3] == "alert"
        for messages in discord.channels.values():
            assert "FlashAttention-9" in messages[0]["embeds"][0]["title"]
    assert landed_early >= 2  # the kills really landed before the fan-out ended
