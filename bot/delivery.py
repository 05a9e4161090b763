"""Fan out due digests through the adapters: exactly once per (channel, local day), never a silent skip.

For each channel: claim the ledger row, post, confirm with the message ids. A claim left unconfirmed by a
crash is resolved by asking the adapter whether the message exists before any resend; when it cannot
tell, the day is left alone (at most once beats twice). Days missed while paperbot was down are folded
into one catch-up digest. A day whose Hugging Face list is empty or partial at post time waits (and is
re-fetched) for a bounded time, then goes out with what exists, or is recorded as empty with the reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import sqlite_utils

from paperbot.adapters.base import AdapterFatal, ChannelUnavailable, ChatAdapter
from paperbot.bot.digest import DigestBuilder
from paperbot.bot.models import ChannelRef, Digest
from paperbot.bot.schedule import Schedule
from paperbot.bot.status import schedule_of
from paperbot.storage import channels as channel_store
from paperbot.storage import deliveries
from paperbot.storage import papers as paper_store

logger = logging.getLogger(__name__)

Fetch = Callable[[str], Awaitable[object]]


@dataclass(frozen=True)
class Policy:
    grace: timedelta = timedelta(
        hours=6
    )  # later than this after post time, a day goes to the catch-up digest
    partial_wait: timedelta = timedelta(hours=3)  # how long to wait for an empty or partial list
    min_papers: int = 5  # fewer listed papers than this is "partial"
    lookback_days: int = 7  # how far back a catch-up digest reaches


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    skipped: int = 0

    def add(self, key: str, outcome: str) -> None:
        if outcome == "skipped":
            self.skipped += 1
        else:
            getattr(self, outcome).append(key)


def ledger_key(ref: ChannelRef, day: str) -> str:
    return f"paperbot:{ref.key}:{day}"


async def resolve_unconfirmed(db: sqlite_utils.Database, adapters: Mapping[str, ChatAdapter]) -> int:
    """Settle claims a crash left open: confirm the ones the platform has, release the ones it has not."""
    settled = 0
    for row in deliveries.unconfirmed(db):
        settings = channel_store.get_channel(db, ChannelRef(*row.channel_key.split(":", 1)))
        adapter = adapters.get(row.channel_key.split(":", 1)[0])
        if adapter is None or settings is None:
            continue
        ref = settings.ref
        found = await _safe_find(adapter, ref, row.day)
        if found:
            deliveries.confirm(db, ref, row.day, found)
            logger.info("delivery confirmed after restart channel=%s day=%s", ref.key, row.day)
        elif found == []:
            deliveries.fail(db, ref, row.day, "not on the platform after a restart; will resend")
            logger.warning("delivery lost in a crash channel=%s day=%s; resending", ref.key, row.day)
        else:
            logger.warning("delivery unverifiable channel=%s day=%s; not resending", ref.key, row.day)
            continue
        settled += 1
    return settled


async def _safe_find(adapter: ChatAdapter, ref: ChannelRef, day: str) -> list[str] | None:
    try:
        return await adapter.find_posted(ref, ledger_key(ref, day))
    except Exception:
        logger.exception("could not check for a sent digest channel=%s day=%s", ref.key, day)
        return None


async def post_once(
    db: sqlite_utils.Database,
    adapter: ChatAdapter,
    ref: ChannelRef,
    day: str,
    digest: Digest,
    covers: list[str] | None = None,
) -> str:
    """Claim, post, confirm. Returns sent, failed, paused or skipped (slot already taken)."""
    if not deliveries.claim(db, ref, day, [c.arxiv_id for c in digest.cards], covers or []):
        return "skipped"
    try:
        ids = await adapter.post(ref, digest, ledger_key(ref, day))
    except ChannelUnavailable as exc:
        deliveries.fail(db, ref, day, str(exc))
        channel_store.pause(db, ref, str(exc))
        logger.error("delivery paused channel=%s day=%s: %s", ref.key, day, exc)
        return "paused"
    except AdapterFatal:
        deliveries.fail(db, ref, day, "adapter stopped")
        raise
    except Exception as exc:
        # The send may or may not have happened; release the claim only when the platform says it did not.
        logger.error("delivery failed channel=%s day=%s: %s: %s", ref.key, day, type(exc).__name__, exc)
        found = await _safe_find(adapter, ref, day)
        if found:
            deliveries.confirm(db, ref, day, found)
            return "sent"
        deliveries.fail(db, ref, day, f"{type(exc).__name__}: {exc}"[:300])
        return "failed"
    deliveries.confirm(db, ref, day, ids)
    logger.info(
        "delivery sent channel=%s day=%s papers=%d messages=%d", ref.key, day, len(digest.cards), len(ids)
    )
    return "sent"


def missed_days(
    db: sqlite_utils.Database, settings: channel_store.ChannelSettings, at: datetime, policy: Policy
) -> list[str]:
    """Scheduled days whose post time passed (today's only beyond the grace) with nothing delivered."""
    schedule = schedule_of(settings)
    today = schedule.local_day(at)
    start = today - timedelta(days=policy.lookback_days)
    created = (
        datetime.fromisoformat(settings.created_at.replace("Z", "+00:00")) if settings.created_at else None
    )
    if created is not None:
        start = max(start, schedule.local_day(created))
    candidates = []
    for offset in range((today - start).days + 1):
        day = start + timedelta(days=offset)
        post = schedule.post_instant(day)
        if day.weekday() not in schedule.days or post > at:
            continue
        if created is not None and post < created:
            continue  # the channel did not exist yet at that post time
        if day == today and at - post <= policy.grace:
            continue  # today's digest is still on time
        candidates.append(day.isoformat())
    ledger = deliveries.for_days(db, settings.ref, candidates)
    return [d for d in candidates if d not in ledger or ledger[d].status in deliveries.RETRYABLE]


async def _catch_up(
    db: sqlite_utils.Database,
    builder: DigestBuilder,
    adapter: ChatAdapter,
    settings: channel_store.ChannelSettings,
    missed: list[str],
    today: date,
    fetch: Fetch | None,
) -> str:
    ref = settings.ref
    if fetch is not None:
        for day in missed:
            if not paper_store.daily_list(db, day):
                await fetch(day)
    topics = channel_store.topics(db, ref)
    digest = builder.catchup(ref, missed, size=settings.size, topics=topics)
    if not digest.cards:
        deliveries.record_empty(db, ref, missed, digest.note)
        logger.info("catch-up empty channel=%s days=%s: %s", ref.key, ",".join(missed), digest.note)
        return "empty"
    logger.info("catch-up channel=%s days=%s", ref.key, ",".join(missed))
    return await post_once(db, adapter, ref, f"catchup:{today.isoformat()}", digest, covers=missed)


async def _today(
    db: sqlite_utils.Database,
    builder: DigestBuilder,
    adapter: ChatAdapter,
    settings: channel_store.ChannelSettings,
    schedule: Schedule,
    at: datetime,
    policy: Policy,
    fetch: Fetch | None,
) -> str:
    ref = settings.ref
    due = schedule.due_day(at)
    if due is None or at - schedule.post_instant(due) > policy.grace:
        return "skipped"  # not yet due, or late enough to be the catch-up digest's business
    day = due.isoformat()
    existing = deliveries.get(db, ref, day)
    if existing and existing.status not in deliveries.RETRYABLE:
        return "skipped"
    if fetch is not None:
        await fetch(day)  # right before posting, so the list is complete and the upvotes current
    listed = len(paper_store.daily_list(db, day))
    waited = at - schedule.post_instant(due)
    if listed < policy.min_papers and waited < policy.partial_wait:
        reason = f"waiting for Hugging Face's list for {day} ({listed} papers so far)"
        if existing is None or existing.error != reason:
            logger.info("delivery waiting channel=%s day=%s papers=%d", ref.key, day, listed)
        deliveries.wait(db, ref, day, reason)
        return "waiting"
    digest = builder.digest(ref, day, size=settings.size, topics=channel_store.topics(db, ref))
    if not digest.cards:
        deliveries.record_empty(db, ref, [day], digest.note)
        logger.warning("delivery empty channel=%s day=%s: %s", ref.key, day, digest.note)
        return "empty"
    if listed < policy.min_papers:
        partial = f"Hugging Face has listed only {listed} papers for {day} so far."
        digest = replace(digest, note=f"{partial} {digest.note}".strip())
    return await post_once(db, adapter, ref, day, digest)


async def deliver_channel(
    db: sqlite_utils.Database,
    builder: DigestBuilder,
    adapter: ChatAdapter,
    settings: channel_store.ChannelSettings,
    at: datetime,
    policy: Policy,
    fetch: Fetch | None = None,
) -> list[str]:
    """Everything one channel is owed at `at`: a catch-up digest for missed days, then today's."""
    schedule = schedule_of(settings)
    outcomes = []
    missed = missed_days(db, settings, at, policy)
    if missed:
        outcomes.append(
            await _catch_up(db, builder, adapter, settings, missed, schedule.local_day(at), fetch)
        )
    outcomes.append(await _today(db, builder, adapter, settings, schedule, at, policy, fetch))
    return outcomes


async def deliver_due(
    db: sqlite_utils.Database,
    adapters: Mapping[str, ChatAdapter],
    at: datetime,
    *,
    policy: Policy | None = None,
    fetch: Fetch | None = None,
    only: str | None = None,
    concurrency: int = 8,
) -> DeliveryReport:
    """Post every digest due at `at`. Calling it twice for the same instant posts nothing the second time.

    Channels are served `concurrency` at a time (a platform round trip is slow; the database is not),
    each channel's own steps in order. One channel's failure never blocks the others; only a dead
    adapter (AdapterFatal) stops the pass.
    """
    policy = policy or Policy()
    report = DeliveryReport()
    builder = DigestBuilder(db)
    await resolve_unconfirmed(db, adapters)
    gate = asyncio.Semaphore(max(1, concurrency))
    fetched: dict[str, asyncio.Task[object]] = {}

    async def fetch_once(day: str) -> object:
        # Concurrent channels share one fetch of a day; the builder forgets the day's old pool after it.
        async def fetch_and_forget() -> object:
            assert fetch is not None
            result = await fetch(day)
            builder.forget(day)
            return result

        if day not in fetched:
            fetched[day] = asyncio.ensure_future(fetch_and_forget())
        return await fetched[day]

    async def serve(settings: channel_store.ChannelSettings, adapter: ChatAdapter) -> None:
        async with gate:
            try:
                outcomes = await deliver_channel(
                    db, builder, adapter, settings, at, policy, fetch_once if fetch else None
                )
            except AdapterFatal:
                raise
            except Exception:
                logger.exception("delivery crashed channel=%s; other channels go on", settings.ref.key)
                outcomes = ["failed"]
        for outcome in outcomes:
            report.add(settings.ref.key, outcome)

    jobs = []
    for settings in channel_store.list_channels(db):
        if only is not None and settings.ref.key != only:
            continue
        adapter = adapters.get(settings.ref.platform)
        if settings.paused or adapter is None:
            report.skipped += 1
            continue
        jobs.append(serve(settings, adapter))
    results = await asyncio.gather(*jobs, return_exceptions=True)
    for result in results:
        if isinstance(result, AdapterFatal):
            raise result
    return report
