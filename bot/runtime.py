"""What the CLI commands share: opening the database from settings, fetching days, the `run` loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta

import sqlite_utils

from adapters.base import ChatAdapter
from bot.config import ConfigError, Settings
from bot.delivery import deliver_due
from bot.ingest import FetchOutcome, fetch_day
from bot.scheduler import build_scheduler
from bot.sources.hf import HFClient
from storage.db import open_db

logger = logging.getLogger(__name__)


def open_database(settings: Settings) -> sqlite_utils.Database:
    try:
        return open_db(settings.paperbot_db)
    except FileNotFoundError as exc:
        raise ConfigError(f"PAPERBOT_DB: {exc}") from None


def hf_client(settings: Settings, *, attempts: int = 4, timeout: float | None = None) -> HFClient:
    return HFClient(
        settings.hf_api_url,
        timeout=timeout or settings.http_timeout,
        attempts=attempts,
        backoff=settings.retry_backoff,
    )


async def fetch_days(
    db: sqlite_utils.Database,
    client: HFClient,
    days: list[date],
    progress: Callable[[FetchOutcome], None] | None = None,
) -> list[FetchOutcome]:
    outcomes = []
    for day in days:
        outcome = await fetch_day(db, client, day)
        outcomes.append(outcome)
        if progress:
            progress(outcome)
    return outcomes


def recent_days(today: date, back: int) -> list[date]:
    return [today - timedelta(days=n) for n in range(back + 1)]


def build_adapters(settings: Settings) -> dict[str, ChatAdapter]:
    from adapters.console import ConsoleAdapter

    if settings.slack_bot_token or settings.discord_token:
        raise ConfigError(
            "SLACK_BOT_TOKEN/DISCORD_TOKEN are set, but this paperbot build has no Slack or Discord adapter yet"
        )
    return {"console": ConsoleAdapter()}


async def run_forever(settings: Settings, adapters: Mapping[str, ChatAdapter]) -> None:
    """The bot: delivery tick, periodic fetch, clean stop on SIGTERM/SIGINT."""
    db = open_database(settings)
    client = hf_client(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)

    async def tick(now: datetime) -> None:
        report = await deliver_due(db, adapters, now)
        if report.sent or report.failed or report.paused:
            logger.info(
                "tick sent=%d empty=%d failed=%d paused=%d",
                len(report.sent),
                len(report.empty),
                len(report.failed),
                len(report.paused),
            )

    async def fetch() -> None:
        today = datetime.now(UTC).date()
        await fetch_days(db, client, recent_days(today, 1))

    scheduler = build_scheduler(tick, fetch)
    scheduler.start()
    logger.info("paperbot running with adapters: %s", ", ".join(sorted(adapters)))
    try:
        await stop.wait()
    finally:
        logger.info("paperbot stopping")
        scheduler.shutdown(wait=False)
        await client.aclose()
        db.close()
