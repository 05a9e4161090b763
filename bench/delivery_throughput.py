"""Daily delivery to 2,000 Slack channels through the local Slack stand-in with real rate limits:
about one message per second per channel and a workspace limit of several hundred a minute, 429 with
Retry-After beyond. Reports wall time, 429s seen and messages lost (must be 0).

    python bench/delivery_throughput.py [--channels 2000] [--workspace-per-minute 600]

The bot is the real wiring (paperbot.bot.app.Bot with the Slack adapter), ticking as `paperbot run` does until
every channel is served. The baseline in the same run is the same fan-out with no rate limits at all,
which shows what the limits, not the bot, cost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import table, write_results

from paperbot.bot.app import Bot
from paperbot.bot.config import load_settings
from paperbot.bot.ingest import import_batch
from paperbot.bot.models import ChannelRef
from paperbot.bot.sources.files import ImportBatch
from paperbot.bot.sources.hf import parse_daily
from paperbot.storage import channels as channel_store
from tests.conftest import inspect
from tests.factories import day_items
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack

DAY = "2026-06-10"
AT = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


async def run(channels: int, workspace_per_minute: int | None) -> dict[str, float]:
    slack = FakeSlack(workspace_per_minute=workspace_per_minute)
    await slack.start()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(
            {
                "PAPERBOT_DB": str(Path(tmp) / "bot.db"),
                "HF_API_URL": "http://127.0.0.1:9",
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_API_URL": slack.api_url,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "PAPERBOT_HTTP_PORT": "0",
                "PAPERBOT_RETRY_BACKOFF": "0",
            }
        )
        for name in ("SLACK_APP_TOKEN", "DISCORD_TOKEN", "SLACK_CLIENT_ID"):
            os.environ.pop(name, None)
        bot = Bot(load_settings(), tick_seconds=3600)
        bot.fetch_fresh = timedelta(days=365)  # the list is imported; no fetching in this benchmark
        listed = parse_daily(day_items(DAY, 40))
        import_batch(inspect(bot), ImportBatch(papers=[lp.paper for lp in listed], listed=listed))
        paperbot_now = "2026-06-01T00:00:00.000Z"
        for n in range(channels):
            slack.add_channel(f"C{n}")
            ref = ChannelRef("slack", f"C{n}", "T1")
            channel_store.ensure_channel(
                inspect(bot), ref, post_time="09:00", timezone="UTC", days="weekdays", size=5
            )
        with inspect(bot).conn as conn:
            conn.execute("UPDATE channels SET created_at = ?", [paperbot_now.replace("06-01", "06-10")])
        await bot.start_adapters()
        start = time.perf_counter()
        ticks = 0
        while sum(len(c.messages) > 0 for c in slack.channels.values()) < channels and ticks < 50:
            await bot.tick(AT + timedelta(minutes=5 * ticks))
            ticks += 1
        wall = time.perf_counter() - start
        counts = [len(c.messages) for c in slack.channels.values()]
        await bot.stop()
    await slack.stop()
    return {
        "channels": channels,
        "wall_s": round(wall, 1),
        "messages_per_s": round(sum(counts) / wall, 1),
        "ticks": ticks,
        "http_429": slack.ratelimited,
        "lost": sum(1 for c in counts if c == 0),
        "duplicated": sum(1 for c in counts if c > 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--channels", type=int, default=2000)
    parser.add_argument("--workspace-per-minute", type=int, default=600)
    args = parser.parse_args()
    limited = asyncio.run(run(args.channels, args.workspace_per_minute))
    unlimited = asyncio.run(run(args.channels, None))
    rows = [
        [
            f"Slack limits ({args.workspace_per_minute}/min workspace, ~1/s channel)",
            *map(str, limited.values()),
        ],
        ["baseline: no workspace limit", *map(str, unlimited.values())],
    ]
    print(table(rows, ["run", *limited.keys()]))
    print(f"\nwritten {write_results('delivery_throughput', {'limited': limited, 'unlimited': unlimited})}")
    return 0 if limited["lost"] == 0 and limited["duplicated"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
