from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlite_utils

from paperbot.bot.digest import build_digest
from paperbot.bot.ingest import import_batch
from paperbot.bot.models import ChannelRef
from paperbot.bot.ports import ChannelUnavailable
from paperbot.bot.sources.files import ImportBatch
from paperbot.bot.sources.hf import parse_daily
from paperbot.storage import channels as channel_store
from paperbot.storage import deliveries
from tests.conftest import RecordingAdapter, deliver
from tests.factories import day_items, hf_item


def load(db: sqlite_utils.Database, items: list[dict[str, object]]) -> None:
    listed = parse_daily(items)
    import_batch(db, ImportBatch(papers=[lp.paper for lp in listed], listed=listed))


def channel(db: sqlite_utils.Database, name: str, tz: str = "UTC", post: str = "09:00") -> ChannelRef:
    ref = ChannelRef("console", name)
    channel_store.ensure_channel(db, ref, post_time=post, timezone=tz, days="weekdays", size=3)
    return ref


def test_top_trending_without_topics(fresh_db: sqlite_utils.Database) -> None:
    votes = [5, 90, 40, 0, 70, 12]
    items = [hf_item(f"2606.0000{n}", f"Paper {n}", "Text.", upvotes=v) for n, v in enumerate(votes)]
    items.append(hf_item("2606.00009", "Discussed", "Text.", upvotes=40, comments=30))
    load(fresh_db, items)
    digest = build_digest(fresh_db, ChannelRef("console", "x"), "2026-06-10", size=4)
    assert [c.upvotes for c in digest.cards] == [90, 70, 40, 40]
    assert digest.cards[2].arxiv_id == "2606.00009"  # equal upvotes: the discussed one first
    assert all(c.matched_topics == () for c in digest.cards)
    assert digest.cards[0].url.startswith("https://huggingface.co/papers/")
    assert digest.cards[0].pdf_url.startswith("https://arxiv.org/pdf/")


def test_topics_lead_and_say_what_matched(fresh_db: sqlite_utils.Database) -> None:
    items = [
        hf_item("2606.00001", "Popular Robotics", "Robots.", upvotes=100),
        hf_item("2606.00002", "Sparse Experts", "A mixture-of-experts model.", upvotes=3),
        hf_item("2606.00003", "Quiet KV Paper", "Key-value cache compression.", upvotes=1),
        hf_item("2606.00004", "Moebius Nets", "Moebius transformations.", upvotes=50),
    ]
    load(fresh_db, items)
    digest = build_digest(
        fresh_db, ChannelRef("console", "x"), "2026-06-10", size=3, topics=["moe", "kv cache"]
    )
    assert [c.arxiv_id for c in digest.cards[:2]] in (
        ["2606.00002", "2606.00003"],
        ["2606.00003", "2606.00002"],
    )
    assert {c.matched_topics for c in digest.cards[:2]} == {("moe",), ("kv cache",)}
    assert digest.cards[2].arxiv_id == "2606.00001" and digest.cards[2].matched_topics == ()
    assert "2 matched" in digest.note


def test_empty_day_and_no_match_are_explicit(fresh_db: sqlite_utils.Database) -> None:
    ref = ChannelRef("console", "x")
    assert "No Hugging Face list" in build_digest(fresh_db, ref, "2026-06-10", size=3).note
    load(fresh_db, [hf_item("2606.00001", "Robots", "Robots.", upvotes=1)])
    digest = build_digest(fresh_db, ref, "2026-06-10", size=3, topics=["moe"])
    assert "Nothing new matched" in digest.note and len(digest.cards) == 1


async def test_deliver_once_and_never_repeat_papers(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    load(fresh_db, day_items("2026-06-10", 5))
    load(fresh_db, day_items("2026-06-11", 5))  # the same papers listed again the next day
    ref = channel(fresh_db, "general")
    at = datetime(2026, 6, 10, 9, 30, tzinfo=UTC)
    report = await deliver(fresh_db, {"console": recorder}, at)
    assert report.sent == [ref.key]
    again = await deliver(fresh_db, {"console": recorder}, at)
    assert again.sent == [] and len(recorder.posts) == 1
    next_day = await deliver(fresh_db, {"console": recorder}, datetime(2026, 6, 11, 9, 30, tzinfo=UTC))
    assert next_day.sent == [ref.key]
    first, second = (set(c.arxiv_id for c in p[1].cards) for p in recorder.posts)
    assert not first & second  # a paper already sent never comes back


async def test_not_due_before_local_post_time(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    load(fresh_db, day_items("2026-06-10", 5))
    channel(fresh_db, "berlin", tz="Europe/Berlin")  # 09:00 Berlin == 07:00 UTC in June
    channel(fresh_db, "ny", tz="America/New_York")  # 09:00 New York == 13:00 UTC
    report = await deliver(fresh_db, {"console": recorder}, datetime(2026, 6, 10, 8, 0, tzinfo=UTC))
    assert report.sent == ["console:berlin"]
    # Saturday: weekdays only
    saturday = await deliver(fresh_db, {"console": recorder}, datetime(2026, 6, 13, 15, 0, tzinfo=UTC))
    assert saturday.sent == []


async def test_a_gone_channel_is_paused_and_others_still_get_theirs(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    load(fresh_db, day_items("2026-06-10", 5))
    for name in ("a", "gone", "b", "boom"):
        channel(fresh_db, name)
    recorder.failures["gone"] = ChannelUnavailable("channel_not_found")
    recorder.failures["boom"] = RuntimeError("network blip")
    report = await deliver(fresh_db, {"console": recorder}, datetime(2026, 6, 10, 10, 0, tzinfo=UTC))
    assert sorted(report.sent) == ["console:a", "console:b"]
    assert report.paused == ["console:gone"] and report.failed == ["console:boom"]
    gone = channel_store.get_channel(fresh_db, ChannelRef("console", "gone"))
    assert gone is not None and gone.paused and gone.pause_reason == "channel_not_found"
    # the transient failure is retried on the next tick and then sent once
    del recorder.failures["boom"]
    retry = await deliver(fresh_db, {"console": recorder}, datetime(2026, 6, 10, 10, 1, tzinfo=UTC))
    assert retry.sent == ["console:boom"]
    assert deliveries.count_sent(fresh_db, ChannelRef("console", "boom"), "2026-06-10") == 1


async def test_an_unconfirmed_claim_is_checked_before_resending(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    load(fresh_db, day_items("2026-06-10", 5))
    ref = channel(fresh_db, "a")
    at = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    await deliver(fresh_db, {"console": recorder}, at)
    # simulate a crash between post and confirm: the row is claimed, the message exists
    fresh_db.execute("UPDATE deliveries SET status = 'claimed'")
    fresh_db.conn.commit()
    await deliver(fresh_db, {"console": recorder}, at)
    assert len(recorder.posts) == 1
    row = deliveries.get(fresh_db, ref, "2026-06-10")
    assert row is not None and row.status == "sent"


@pytest.mark.parametrize(
    ("zone", "day", "utc_hour", "due"),
    [
        ("Europe/Berlin", "2026-03-30", 6, False),  # after spring-forward: 09:00 CEST == 07:00 UTC
        ("Europe/Berlin", "2026-03-30", 7, True),
        ("America/New_York", "2026-11-02", 13, False),  # after fall-back: 09:00 EST == 14:00 UTC
        ("America/New_York", "2026-11-02", 14, True),
        ("Asia/Kolkata", "2026-06-10", 3, False),  # 09:00 IST == 03:30 UTC
        ("Asia/Kolkata", "2026-06-10", 4, True),
    ],
)
async def test_local_time_across_zones_and_dst(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter, zone: str, day: str, utc_hour: int, due: bool
) -> None:
    load(fresh_db, day_items(day, 6))
    channel(fresh_db, "c", tz=zone)
    y, m, d = (int(x) for x in day.split("-"))
    report = await deliver(fresh_db, {"console": recorder}, datetime(y, m, d, utc_hour, 0, tzinfo=UTC))
    assert (report.sent == ["console:c"]) is due
