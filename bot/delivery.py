"""Fan out due digests through the adapters, exactly once per (channel, local day), via the ledger.

Order of events for each channel: claim the ledger row, post, confirm with the message ids. A claim
left unconfirmed by a crash is resolved by asking the adapter whether the message exists before any
resend; when the adapter cannot tell, the day is left alone (at most once beats twice).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from adapters.base import AdapterFatal, ChannelUnavailable, ChatAdapter
from bot.digest import build_digest
from bot.models import ChannelRef
from bot.status import schedule_of
from storage import channels as channel_store
from storage import deliveries

logger = logging.getLogger(__name__)


def ledger_key(ref: ChannelRef, day: str) -> str:
    return f"paperbot:{ref.key}:{day}"


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)
    skipped: int = 0


async def resolve_unconfirmed(db: sqlite_utils.Database, adapters: Mapping[str, ChatAdapter]) -> int:
    """Settle claims a crash left open: confirm the ones the platform has, release the ones it has not."""
    settled = 0
    for row in deliveries.unconfirmed(db):
        platform, _, channel = row.channel_key.partition(":")
        adapter = adapters.get(platform)
        if adapter is None:
            continue
        ref = ChannelRef(platform, channel)
        found = await adapter.find_posted(ref, ledger_key(ref, row.day))
        if found:
            deliveries.confirm(db, ref, row.day, found)
            logger.info("delivery confirmed after restart channel=%s day=%s", row.channel_key, row.day)
        elif found == []:
            deliveries.fail(db, ref, row.day, "not on the platform after a restart; will resend")
            logger.warning("delivery lost in a crash channel=%s day=%s; resending", row.channel_key, row.day)
        else:
            logger.warning("delivery unverifiable channel=%s day=%s; not resending", row.channel_key, row.day)
            continue
        settled += 1
    return settled


async def deliver_one(
    db: sqlite_utils.Database, adapter: ChatAdapter, settings: channel_store.ChannelSettings, day: str
) -> str:
    """Post `day`'s digest to one channel if it is not in the ledger yet. Returns what happened."""
    ref = settings.ref
    existing = deliveries.get(db, ref, day)
    if existing and existing.status != deliveries.FAILED:
        return "skipped"
    digest = build_digest(db, ref, day, size=settings.size, topics=channel_store.topics(db, ref))
    if not digest.cards:
        deliveries.record_empty(db, ref, day, digest.note)
        logger.info("delivery empty channel=%s day=%s: %s", ref.key, day, digest.note)
        return "empty"
    if not deliveries.claim(db, ref, day, [c.arxiv_id for c in digest.cards]):
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
        logger.exception("delivery failed channel=%s day=%s", ref.key, day)
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


async def _safe_find(adapter: ChatAdapter, ref: ChannelRef, day: str) -> list[str] | None:
    try:
        return await adapter.find_posted(ref, ledger_key(ref, day))
    except Exception:
        logger.exception("could not check for a sent digest channel=%s day=%s", ref.key, day)
        return None


async def deliver_due(
    db: sqlite_utils.Database, adapters: Mapping[str, ChatAdapter], at: datetime
) -> DeliveryReport:
    """Post every digest due at `at`. Calling it twice for the same instant posts nothing the second time."""
    report = DeliveryReport()
    await resolve_unconfirmed(db, adapters)
    for settings in channel_store.list_channels(db):
        adapter = adapters.get(settings.ref.platform)
        if settings.paused or adapter is None:
            report.skipped += 1
            continue
        day = schedule_of(settings).due_day(at)
        if day is None:
            report.skipped += 1
            continue
        outcome = await deliver_one(db, adapter, settings, day.isoformat())
        if outcome == "skipped":
            report.skipped += 1
        else:
            getattr(report, outcome).append(settings.ref.key)
    return report
