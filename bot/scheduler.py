"""APScheduler 3.x wiring only: a delivery tick and a periodic fetch; the jobs call core functions.

The ledger, not the scheduler, decides whether a channel's day was delivered, so a tick every minute
that asks "what is due now?" covers per-channel local times, DST oddities and restarts alike.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

logger = logging.getLogger(__name__)

TICK_SECONDS = 60
FETCH_MINUTES = 120


def build_scheduler(
    tick: Callable[[datetime], Awaitable[object]],
    fetch: Callable[[], Awaitable[object]],
    *,
    tick_seconds: int = TICK_SECONDS,
    fetch_minutes: int = FETCH_MINUTES,
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=UTC)

    async def run_tick() -> None:
        await tick(datetime.now(UTC))

    scheduler.add_job(
        run_tick,
        IntervalTrigger(seconds=tick_seconds),
        id="deliver",
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        fetch,
        IntervalTrigger(minutes=fetch_minutes),
        id="fetch",
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
    )
    return scheduler
