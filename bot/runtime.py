"""What the CLI commands share, and `paperbot run`: adapters, HTTP listener, scheduler, clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlite_utils
from aiohttp import web

from paperbot.adapters.base import AdapterFatal, ChatAdapter
from paperbot.bot.commands import Defaults
from paperbot.bot.config import ConfigError, Settings
from paperbot.bot.delivery import DeliveryReport, Policy, deliver_due
from paperbot.bot.ingest import FetchOutcome, fetch_day
from paperbot.bot.scheduler import Jobs
from paperbot.bot.service import Core
from paperbot.bot.sources.hf import HFClient
from paperbot.storage import channels as channel_store
from paperbot.storage import papers as paper_store
from paperbot.storage.db import open_db

logger = logging.getLogger(__name__)


def open_database(settings: Settings) -> sqlite_utils.Database:
    try:
        return open_db(settings.paperbot_db)
    except FileNotFoundError as exc:
        raise ConfigError(f"PAPERBOT_DB: {exc}") from None


def defaults_of(settings: Settings) -> Defaults:
    return Defaults(settings.default_post_time, settings.default_timezone, "weekdays", settings.default_size)


FETCH_FRESH = timedelta(minutes=10)


def policy_of(settings: Settings) -> Policy:
    return Policy(
        grace=timedelta(hours=settings.catchup_grace_hours),
        partial_wait=timedelta(minutes=settings.partial_wait_minutes),
        min_papers=settings.min_papers,
    )


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
    """Fetch each day in turn; stop at the first day the source cannot be reached at all (each day would
    only wait through the same retries again). The days after it are not in the result."""
    outcomes = []
    for day in days:
        outcome = await fetch_day(db, client, day)
        outcomes.append(outcome)
        if progress:
            progress(outcome)
        if outcome.unreachable:
            break
    return outcomes


def recent_days(today: date, back: int) -> list[date]:
    return [today - timedelta(days=n) for n in range(back + 1)]


class Bot:
    """Everything `paperbot run` starts, in one object so tests can drive the same wiring in-process."""

    def __init__(self, settings: Settings, *, tick_seconds: int = 300, fetch_minutes: int = 120) -> None:
        from paperbot.adapters.registry import build_adapters

        self.settings = settings
        self.db = open_database(settings)
        self.core = Core(lambda: open_database(settings), defaults_of(settings))
        self.adapters: dict[str, ChatAdapter] = build_adapters(settings, self.core)
        self.stopped_adapters: dict[str, str] = {}
        self.client = hf_client(settings)
        self.policy = policy_of(settings)
        self.jobs = Jobs(
            self.tick, self.fetch, self.run_channel, tick_seconds=tick_seconds, fetch_minutes=fetch_minutes
        )
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.http_port: int | None = None
        self.core.on_schedule_change = self._schedule_changed
        self.fetch_fresh = FETCH_FRESH

    def _schedule_changed(self) -> None:
        # Called from the core's worker thread: hop onto the event loop that owns the scheduler.
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.sync_jobs)

    def sync_jobs(self) -> None:
        self.jobs.sync(channel_store.list_channels(self.db))

    async def fetch(self) -> None:
        """The periodic fetch: today's and yesterday's lists (UTC), so upvotes stay current."""
        await fetch_days(self.db, self.client, recent_days(datetime.now(UTC).date(), 1))

    async def fetch_day(self, day: str) -> None:
        """Refresh one day's list before posting it, unless fetched successfully within `fetch_fresh`
        (deliver_due already shares one call per day among a pass's channels)."""
        last = paper_store.fetched_at(self.db, day)
        if last and datetime.now(UTC) - last < self.fetch_fresh:
            return
        await fetch_day(self.db, self.client, date.fromisoformat(day))

    async def run_channel(self, key: str) -> None:
        """A channel's cron job: its post time has come."""
        await self.tick(datetime.now(UTC), only=key)

    async def tick(self, now: datetime, only: str | None = None) -> DeliveryReport:
        try:
            report = await deliver_due(
                self.db, self.adapters, now, policy=self.policy, fetch=self.fetch_day, only=only
            )
        except AdapterFatal as exc:
            platform = str(exc).split(":", 1)[0].lower()
            logger.critical("adapter stopped: %s", exc)
            self.stopped_adapters[platform] = str(exc)
            self.adapters.pop(platform, None)
            return DeliveryReport(failed=[f"{platform} adapter stopped"])
        if report.sent or report.failed or report.paused or report.waiting:
            logger.info(
                "tick sent=%d empty=%d failed=%d paused=%d waiting=%d",
                len(report.sent),
                len(report.empty),
                len(report.failed),
                len(report.paused),
                len(report.waiting),
            )
        return report

    async def healthz(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = {
            "scheduler": "running" if self.jobs.running else "stopped",
            "adapters": {name: "running" for name in self.adapters},
        }
        body["adapters"].update({name: f"stopped: {why}" for name, why in self.stopped_adapters.items()})
        healthy = self.jobs.running and not self.stopped_adapters
        return web.json_response({"ok": healthy, **body}, status=200 if healthy else 503)

    async def start_adapters(self) -> None:
        for name, adapter in self.adapters.items():
            starter = getattr(adapter, "start", None)
            if starter is not None:
                try:
                    await starter()
                except Exception as exc:
                    raise ConfigError(f"{name}: {exc}") from None

    async def start(self) -> None:
        await self.start_adapters()
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        for adapter in self.adapters.values():
            app.router.add_routes(getattr(adapter, "routes", list)())
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.paperbot_http_host, self.settings.paperbot_http_port)
        await site.start()
        self.http_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._loop = asyncio.get_running_loop()
        self.sync_jobs()
        self.jobs.start()
        logger.info(
            "paperbot running adapters=%s http=%s:%s",
            ",".join(sorted(self.adapters)),
            self.settings.paperbot_http_host,
            self.http_port,
        )

    async def stop(self) -> None:
        logger.info("paperbot stopping")
        self.jobs.shutdown()
        for adapter in self.adapters.values():
            stopper = getattr(adapter, "stop", None)
            if stopper is not None:
                with contextlib.suppress(Exception):
                    await stopper()
        if self._runner is not None:
            await self._runner.cleanup()
        await self.client.aclose()
        self.core.close()
        self.db.close()

    async def serve_forever(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()
