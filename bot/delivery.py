"""Fan out due digests through the adapters: exactly once per (channel, local day), never a silent skip.

For each channel: claim the ledger row, post, confirm with the message ids. Only one delivery pass runs
at a time on a database (`Deliverer` serialises passes in a process; `storage.lock` keeps a second process
out), so a claim still open when a pass starts was left by a crash: it is resolved by asking the adapter
whether the message exists before any resend, and when it cannot tell, the day is left alone (at most
once beats twice). Days missed while paperbot was down are folded into one catch-up digest. A day whose
Hugging Face list is empty or partial at post time waits (and is re-fetched) for a bounded time, then
goes out with what exists, or is recorded as empty with the reason.

Every database call runs on the background lane (`storage.worker`), never on the event loop.

Why this module is longer than ~300 lines: the daily digest, the catch-up, the weekly roll-up, alerts
and follow-ups all go through one claim-post-confirm path and one Pass; split apart, the exactly-once
reasoning would have to be read in five places.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import sqlite_utils

from paperbot.bot import alerts, followups, weekly
from paperbot.bot.digest import DigestBuilder
from paperbot.bot.models import ChannelRef, Digest
from paperbot.bot.outcomes import DeliveryReport, Outcome, Policy
from paperbot.bot.ports import AdapterFatal, ChannelUnavailable, ChatAdapter, PostKey
from paperbot.bot.schedule import Schedule
from paperbot.bot.status import schedule_of
from paperbot.bot.taste_scorer import tasted_builder
from paperbot.storage import channels as channel_store
from paperbot.storage import deliveries
from paperbot.storage import follows as follow_store
from paperbot.storage import followups as followup_store
from paperbot.storage import papers as paper_store
from paperbot.storage.worker import Lane

logger = logging.getLogger(__name__)

Fetch = Callable[[str], Awaitable[object]]


async def resolve_unconfirmed(lane: Lane, adapters: Mapping[str, ChatAdapter]) -> int:
    """Settle claims a crash left open: confirm the ones the platform has, release the ones it has not.

    Only called by a pass that holds the database's delivery lock, so no live pass owns these claims.
    """
    settled = 0
    for row in await lane(deliveries.unconfirmed):
        found_settings = await lane(channel_store.get_channel, row.ref)
        adapter = adapters.get(row.ref.platform)
        if adapter is None or found_settings is None:
            continue
        ref = found_settings.ref
        key = PostKey(ref, row.day, row.thread)
        found = await _safe_find(adapter, ref, key)
        if found:
            await lane(deliveries.confirm, ref, row.day, found)
            logger.info("delivery confirmed after a crash channel=%s day=%s", ref.key, row.day)
        elif found == []:
            await lane(deliveries.fail, ref, row.day, "not on the platform after a crash; will resend")
            logger.warning(
                "delivery lost in a crash of %s channel=%s day=%s; resending",
                row.owner or "an earlier run",
                ref.key,
                row.day,
            )
        else:
            logger.warning("delivery unverifiable channel=%s day=%s; not resending", ref.key, row.day)
            continue
        settled += 1
    return settled


async def _safe_find(adapter: ChatAdapter, ref: ChannelRef, key: PostKey) -> list[str] | None:
    try:
        return await adapter.find_posted(ref, key)
    except Exception:
        logger.exception("could not check for a sent digest channel=%s slot=%s", ref.key, key.slot)
        return None


async def post_once(
    lane: Lane,
    adapter: ChatAdapter,
    ref: ChannelRef,
    day: str,
    digest: Digest,
    covers: list[str] | None = None,
) -> Outcome:
    """Claim, post, confirm."""
    papers = [c.arxiv_id for c in digest.cards]
    if not await lane(deliveries.claim, ref, day, papers, covers or []):
        return Outcome.SKIPPED  # the slot is taken: sent already
    key = PostKey(ref, day)
    outcome = await _send(lane, adapter, key, lambda: adapter.post(ref, digest, key))
    if outcome is Outcome.SENT:
        logger.info("delivery sent channel=%s day=%s papers=%d", ref.key, day, len(digest.cards))
    return outcome


async def reply_once(lane: Lane, adapter: ChatAdapter, ref: ChannelRef, item: followups.FollowUp) -> Outcome:
    """Claim, reply in the thread, confirm: the same ledger steps as `post_once`."""
    if not await lane(deliveries.claim, ref, item.slot, [], (), item.thread):
        return Outcome.SKIPPED  # today's follow-up for this paper went out already: tomorrow's turn
    # Which events this slot carries, written before sending: once the ledger has the slot as sent (or
    # still claimed), they are done.
    await lane(followup_store.record_events, ref, item.paper_id, item.slot, item.events)
    key = PostKey(ref, item.slot, item.thread)
    outcome = await _send(lane, adapter, key, lambda: adapter.reply(ref, item.thread, item.text, key))
    if outcome is Outcome.SENT:
        logger.info("follow-up sent channel=%s slot=%s events=%s", ref.key, item.slot, ",".join(item.events))
    return outcome


async def _send(
    lane: Lane, adapter: ChatAdapter, key: PostKey, send: Callable[[], Awaitable[list[str]]]
) -> Outcome:
    """Send what `key` stands for (claimed already) and settle its ledger row."""
    ref, slot = key.ref, key.slot
    try:
        ids = await send()
    except ChannelUnavailable as exc:
        await lane(deliveries.fail, ref, slot, str(exc))
        await lane(channel_store.pause, ref, str(exc))
        logger.error("delivery paused channel=%s day=%s: %s", ref.key, slot, exc)
        return Outcome.PAUSED
    except AdapterFatal:
        await lane(deliveries.fail, ref, slot, "adapter stopped")
        raise
    except Exception as exc:
        # The send may or may not have happened; release the claim only when the platform says it did not.
        logger.error("delivery failed channel=%s day=%s: %s: %s", ref.key, slot, type(exc).__name__, exc)
        found = await _safe_find(adapter, ref, key)
        if found:
            await lane(deliveries.confirm, ref, slot, found)
            return Outcome.SENT
        await lane(deliveries.fail, ref, slot, f"{type(exc).__name__}: {exc}"[:300])
        return Outcome.FAILED
    await lane(deliveries.confirm, ref, slot, ids)
    return Outcome.SENT


def missed_days(
    db: sqlite_utils.Database, settings: channel_store.ChannelSettings, at: datetime, policy: Policy
) -> list[str]:
    """Scheduled days whose post time passed (today's only beyond the grace) with nothing delivered."""
    schedule = schedule_of(settings)
    today = schedule.local_day(at)
    start = today - timedelta(days=policy.lookback_days)
    created = settings.created
    if settings.cadence_since:
        since = datetime.fromisoformat(settings.cadence_since.replace("Z", "+00:00"))
        created = since if created is None else max(created, since)
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


@dataclass
class Pass:
    """One delivery pass: what every channel's steps share."""

    lane: Lane
    builder: DigestBuilder
    at: datetime
    policy: Policy
    fetch: Fetch | None

    async def catch_up(
        self, adapter: ChatAdapter, settings: channel_store.ChannelSettings, missed: list[str], today: date
    ) -> Outcome:
        ref, lane = settings.ref, self.lane
        if self.fetch is not None:
            for day in missed:
                if not await lane(paper_store.daily_list, day):
                    await self.fetch(day)
        topics = await lane(channel_store.topics, ref)
        digest = await lane(
            lambda _db: self.builder.catchup(
                ref, missed, size=settings.size, topics=topics, images=settings.images
            )
        )
        if not digest.cards:
            await lane(deliveries.record_empty, ref, missed, digest.note)
            logger.info("catch-up empty channel=%s days=%s: %s", ref.key, ",".join(missed), digest.note)
            return Outcome.EMPTY
        logger.info("catch-up channel=%s days=%s", ref.key, ",".join(missed))
        return await post_once(lane, adapter, ref, f"catchup:{today.isoformat()}", digest, covers=missed)

    async def today(
        self, adapter: ChatAdapter, settings: channel_store.ChannelSettings, schedule: Schedule
    ) -> Outcome:
        ref, lane, at, policy = settings.ref, self.lane, self.at, self.policy
        due = schedule.due_day(at)
        if due is None or at - schedule.post_instant(due) > policy.grace:
            return Outcome.SKIPPED  # not yet due, or late enough to be the catch-up digest's business
        day = due.isoformat()
        existing = await lane(deliveries.get, ref, day)
        if existing and existing.status not in deliveries.RETRYABLE:
            return Outcome.SKIPPED
        if self.fetch is not None:
            await self.fetch(day)  # right before posting, so the list is complete and the upvotes current
        listed = len(await lane(paper_store.daily_list, day))
        waited = at - schedule.post_instant(due)
        if listed < policy.min_papers and waited < policy.partial_wait:
            reason = f"waiting for Hugging Face's list for {day} ({listed} papers so far)"
            if existing is None or existing.error != reason:
                logger.info("delivery waiting channel=%s day=%s papers=%d", ref.key, day, listed)
            await lane(deliveries.wait, ref, day, reason)
            return Outcome.WAITING
        topics = await lane(channel_store.topics, ref)
        lead = await lane(alerts.leading, ref, [day])
        digest = await lane(
            lambda _db: self.builder.digest(
                ref, day, size=settings.size, topics=topics, images=settings.images, lead=lead
            )
        )
        if not digest.cards:
            await lane(deliveries.record_empty, ref, [day], digest.note)
            logger.warning("delivery empty channel=%s day=%s: %s", ref.key, day, digest.note)
            return Outcome.EMPTY
        if listed < policy.min_papers:
            partial = f"Hugging Face has listed only {listed} papers for {day} so far."
            digest = replace(digest, note=f"{partial} {digest.note}".strip())
        return await post_once(lane, adapter, ref, day, digest)

    async def week(self, adapter: ChatAdapter, settings: channel_store.ChannelSettings) -> Outcome:
        """A weekly channel's roll-up, once per ISO week; weeks missed while down fold into one post."""
        ref, lane = settings.ref, self.lane
        mondays = await lane(weekly.owed_weeks, settings, self.at)
        if not mondays:
            return Outcome.SKIPPED
        if self.fetch is not None:
            today = schedule_of(settings).local_day(self.at).isoformat()
            for day in weekly.week_days(mondays):
                if day <= today and not await lane(paper_store.daily_list, day):
                    await self.fetch(day)
        topics = await lane(channel_store.topics, ref)
        digest = await lane(
            lambda db: weekly.build_week(
                db,
                ref,
                mondays,
                size=settings.size,
                topics=topics,
                repeat=settings.weekly_all,
                images=settings.images,
                builder=self.builder,
            )
        )
        slots = [weekly.slot(m) for m in mondays]
        if not digest.cards:
            await lane(deliveries.record_empty, ref, slots, digest.note)
            logger.info("weekly empty channel=%s weeks=%s: %s", ref.key, ",".join(slots), digest.note)
            return Outcome.EMPTY
        return await post_once(lane, adapter, ref, slots[-1], digest, covers=slots[:-1])

    async def channel(self, adapter: ChatAdapter, settings: channel_store.ChannelSettings) -> list[Outcome]:
        """Everything one channel is owed: a catch-up digest for missed days, then today's."""
        if settings.weekly:
            return [await self.week(adapter, settings)]
        schedule = schedule_of(settings)
        outcomes = []
        missed = await self.lane(missed_days, settings, self.at, self.policy)
        if missed:
            outcomes.append(await self.catch_up(adapter, settings, missed, schedule.local_day(self.at)))
        outcomes.append(await self.today(adapter, settings, schedule))
        outcomes.append(await self.alert(adapter, settings, schedule))
        outcomes.extend(await self.follow_up(adapter, settings))
        return outcomes

    async def follow_up(self, adapter: ChatAdapter, settings: channel_store.ChannelSettings) -> list[Outcome]:
        """Replies in the threads of posted papers that got code, a page, or crossed a milestone."""
        ref, lane = settings.ref, self.lane
        options = await lane(follow_store.options, ref)
        if not options.followups:
            return []
        owed = await lane(followups.due, ref, self.at, options.upvotes_mark, options.stars_mark)
        outcomes = []
        for item in owed:
            outcomes.append(await reply_once(lane, adapter, ref, item))
        return outcomes

    async def alert(
        self, adapter: ChatAdapter, settings: channel_store.ChannelSettings, schedule: Schedule
    ) -> Outcome:
        """New papers by people the channel follows, in one message; after today's digest, so a paper
        that made the digest (marked there) is not alerted again. `/papers alerts digest` holds them until
        the channel's post time on a scheduled day."""
        ref, lane = settings.ref, self.lane
        options = await lane(follow_store.options, ref)
        if options.alerts is follow_store.AlertMode.DIGEST and schedule.due_day(self.at) is None:
            return Outcome.SKIPPED
        items = await lane(alerts.pending, ref)
        if not items:
            return Outcome.SKIPPED
        day = self.at.date().isoformat()
        slot = alerts.slot(day, [paper.id for paper, _ in items])
        logger.info("alert channel=%s papers=%d slot=%s", ref.key, len(items), slot)
        return await post_once(lane, adapter, ref, slot, alerts.alert_digest(day, items))


async def deliver_due(
    lane: Lane,
    adapters: Mapping[str, ChatAdapter],
    at: datetime,
    *,
    policy: Policy | None = None,
    fetch: Fetch | None = None,
    only: str | None = None,
    concurrency: int = 8,
) -> DeliveryReport:
    """Post every digest due at `at`. Calling it twice for the same instant posts nothing the second time.

    The caller holds the delivery lock (`Deliverer`). Channels are served `concurrency` at a time (a
    platform round trip is slow; the database is not), each channel's own steps in order. One channel's
    failure never blocks the others; only a dead adapter (AdapterFatal) stops the pass.
    """
    report = DeliveryReport()
    builder: DigestBuilder = await lane(tasted_builder)
    await resolve_unconfirmed(lane, adapters)
    gate = asyncio.Semaphore(max(1, concurrency))
    fetched: dict[str, asyncio.Task[object]] = {}

    async def fetch_once(day: str) -> object:
        # Concurrent channels share one fetch of a day; the builder forgets the day's old pool after it.
        async def fetch_and_forget() -> object:
            assert fetch is not None
            result = await fetch(day)
            await lane(lambda _db: builder.forget(day))
            return result

        if day not in fetched:
            fetched[day] = asyncio.ensure_future(fetch_and_forget())
        return await fetched[day]

    run = Pass(lane, builder, at, policy or Policy(), fetch_once if fetch else None)

    async def serve(settings: channel_store.ChannelSettings, adapter: ChatAdapter) -> None:
        async with gate:
            try:
                outcomes = await run.channel(adapter, settings)
            except AdapterFatal:
                raise
            except Exception:
                logger.exception("delivery crashed channel=%s; other channels go on", settings.ref.key)
                outcomes = [Outcome.FAILED]
        for outcome in outcomes:
            report.add(settings.ref.key, outcome)

    jobs = []
    for settings in await lane(channel_store.list_channels):
        if only is not None and settings.ref.key != only:
            continue
        adapter = adapters.get(settings.ref.platform)
        if settings.paused or adapter is None:
            report.add(settings.ref.key, Outcome.SKIPPED)
            continue
        jobs.append(serve(settings, adapter))
    results = await asyncio.gather(*jobs, return_exceptions=True)
    for result in results:
        if isinstance(result, AdapterFatal):
            raise result
    return report
