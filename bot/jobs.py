"""APScheduler 3.x wiring only: one cron job per channel at its local post time, a safety tick, a fetch.

Jobs call core functions; the ledger, not the scheduler, decides whether a channel's day was delivered,
so a double fire on a DST fall-back, a late fire after a spring-forward gap, or a restart cannot post
twice. Jobs live in memory and are rebuilt from the channel table at start-up and on every change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from paperbot.bot.schedule import DAILY, WEEKDAYS, parse_days, parse_time
from paperbot.storage.channels import ChannelSettings

logger = logging.getLogger(__name__)

TICK_SECONDS = 300
FETCH_MINUTES = 120
_DOW = {WEEKDAYS: "mon-fri", DAILY: "*"}
_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _until_shutdown(job: Callable[..., Awaitable[object]]) -> Callable[..., Awaitable[None]]:
    """A job cancelled by shutdown ends quietly: the ledger makes an interrupted pass safe to repeat."""

    async def run(*args: object) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await job(*args)

    return run


def channel_trigger(settings: ChannelSettings) -> CronTrigger:
    post = parse_time(settings.post_time)
    days = parse_days(settings.days)
    dow = _DOW.get(days) or ",".join(_NAMES[d] for d in sorted(days))
    return CronTrigger(hour=post.hour, minute=post.minute, day_of_week=dow, timezone=settings.timezone)


def job_id(settings: ChannelSettings) -> str:
    return f"channel:{settings.ref.key}"


class Jobs:
    """The scheduler and the jobs it runs; `sync` makes the channel jobs match the channel table."""

    def __init__(
        self,
        tick: Callable[[datetime], Awaitable[object]],
        fetch: Callable[[], Awaitable[object]],
        run_channel: Callable[[str], Awaitable[object]],
        *,
        tick_seconds: int = TICK_SECONDS,
        fetch_minutes: int = FETCH_MINUTES,
    ) -> None:
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._run_channel = _until_shutdown(run_channel)
        self._tick = tick
        self._fetch = _until_shutdown(fetch)
        self._tick_seconds = tick_seconds
        self._fetch_minutes = fetch_minutes

    async def _run_tick(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):  # a shutdown mid-tick; the ledger makes it safe
            await self._tick(datetime.now(UTC))

    def sync(self, channels: Iterable[ChannelSettings]) -> None:
        wanted = {job_id(c): c for c in channels if not c.paused}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("channel:") and job.id not in wanted:
                job.remove()
        for jid, settings in wanted.items():
            self.scheduler.add_job(
                self._run_channel,
                channel_trigger(settings),
                args=[settings.ref.key],
                id=jid,
                name=f"digest for {settings.ref.key}",
                replace_existing=True,
                coalesce=True,
                misfire_grace_time=None,  # a late fire still runs; the ledger makes it harmless
            )
        logger.info("scheduler synced channels=%d", len(wanted))

    def next_post(self, key: str) -> datetime | None:
        job = self.scheduler.get_job(f"channel:{key}")
        return job.next_run_time if job else None

    def start(self) -> None:
        # The first tick and fetch run at once (not at construction: adapters may take a while to connect):
        # the tick settles crash leftovers and posts what a downtime missed.
        now = datetime.now(UTC)
        self.scheduler.add_job(
            self._run_tick,
            IntervalTrigger(seconds=self._tick_seconds),
            id="tick",
            name="delivery tick",
            next_run_time=now,
            coalesce=True,
        )
        self.scheduler.add_job(
            self._fetch,
            IntervalTrigger(minutes=self._fetch_minutes),
            id="fetch",
            name="fetch the latest lists",
            next_run_time=now,
            coalesce=True,
        )
        self.scheduler.start()

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
