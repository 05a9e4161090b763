"""Never double-post, never silently skip: catch-up, partial lists, Hugging Face outages, 429 storms."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
import time_machine

from paperbot.bot.app import Bot
from paperbot.bot.config import load_settings
from paperbot.bot.ingest import import_batch
from paperbot.bot.models import ChannelRef
from paperbot.bot.outcomes import Policy
from paperbot.bot.sources.files import ImportBatch
from paperbot.bot.sources.hf import parse_daily
from paperbot.bot.status import channel_status
from paperbot.storage import channels as channel_store
from paperbot.storage import deliveries
from tests.conftest import RecordingAdapter, bot_env, deliver, inspect
from tests.factories import day_items
from tests.fakes.hf import FakeHF
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack


def load(db: sqlite_utils.Database, day: str, count: int, start: int = 1) -> None:
    listed = parse_daily(day_items(day, count, seed=start, start=start))
    import_batch(db, ImportBatch(papers=[lp.paper for lp in listed], listed=listed))


def make_channel(db: sqlite_utils.Database, name: str, created: str = "2026-06-10T00:00:00Z") -> ChannelRef:
    ref = ChannelRef("console", name)
    with time_machine.travel(created, tick=False):
        channel_store.ensure_channel(db, ref, post_time="09:00", timezone="UTC", days="weekdays", size=3)
    return ref


async def test_downtime_gives_one_catch_up_digest_then_today(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    for n, day in enumerate(["2026-06-08", "2026-06-09", "2026-06-10", "2026-06-11"]):
        load(fresh_db, day, 6, start=100 * n)
    ref = make_channel(fresh_db, "lab", created="2026-06-07T12:00:00Z")
    # set up on Sunday, down until Thursday 11 June 10:00: Mon, Tue and Wed were missed, Thursday is on time
    report = await deliver(fresh_db, {"console": recorder}, datetime(2026, 6, 11, 10, 0, tzinfo=UTC))
    assert report.sent == [ref.key, ref.key]
    catch_up, today = recorder.posts
    assert catch_up[1].title.startswith("Catch-up") and "Mon 08 Jun – Wed 10 Jun" in catch_up[1].title
    assert today[1].day == "2026-06-11"
    for day in ("2026-06-08", "2026-06-09", "2026-06-10"):
        row = deliveries.get(fresh_db, ref, day)
        assert row is not None and row.status == deliveries.Status.CAUGHT_UP
    again = await deliver(fresh_db, {"console": recorder}, datetime(2026, 6, 11, 11, 0, tzinfo=UTC))
    assert again.sent == [] and len(recorder.posts) == 2
    shown = [c.arxiv_id for _, d, _ in recorder.posts for c in d.cards]
    assert len(shown) == len(set(shown))


async def test_late_beyond_grace_goes_to_the_catch_up(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    load(fresh_db, "2026-06-10", 6)
    ref = make_channel(fresh_db, "lab", created="2026-06-10T00:00:00Z")
    report = await deliver(fresh_db, {"console": recorder}, datetime(2026, 6, 10, 16, 0, tzinfo=UTC))
    assert report.sent == [ref.key]
    (post,) = recorder.posts
    assert post[1].title.startswith("Catch-up") and "7 hours" not in post[1].title
    row = deliveries.get(fresh_db, ref, "2026-06-10")
    assert row is not None and row.status == deliveries.Status.CAUGHT_UP


async def test_a_partial_list_waits_then_goes_out_with_a_note(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    load(fresh_db, "2026-06-10", 2)
    ref = make_channel(fresh_db, "lab")
    policy = Policy(partial_wait=timedelta(hours=2))
    fetched: list[str] = []

    async def fetch(day: str) -> None:
        fetched.append(day)

    early = await deliver(
        fresh_db, {"console": recorder}, datetime(2026, 6, 10, 9, 30, tzinfo=UTC), policy=policy, fetch=fetch
    )
    assert early.waiting == [ref.key] and recorder.posts == [] and fetched == ["2026-06-10"]
    text = channel_status(
        fresh_db, channel_store.get_channel(fresh_db, ref), datetime(2026, 6, 10, 9, 30, tzinfo=UTC)
    )  # type: ignore[arg-type]
    assert "waiting for Hugging Face's list for 2026-06-10 (2 papers so far)" in text
    late = await deliver(
        fresh_db, {"console": recorder}, datetime(2026, 6, 10, 11, 30, tzinfo=UTC), policy=policy, fetch=fetch
    )
    assert late.sent == [ref.key]
    (post,) = recorder.posts
    assert "only 2 papers" in post[1].note and len(post[1].cards) == 2


async def test_a_day_without_papers_is_recorded_not_skipped_silently(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    ref = make_channel(fresh_db, "lab")
    at = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)  # past the 3 h wait
    report = await deliver(fresh_db, {"console": recorder}, at)
    assert report.empty == [ref.key] and recorder.posts == []
    text = channel_status(fresh_db, channel_store.get_channel(fresh_db, ref), at)  # type: ignore[arg-type]
    assert "2026-06-10 empty (No Hugging Face list for 2026-06-10 yet.)" in text


def slack_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: FakeSlack, hf: FakeHF) -> None:
    bot_env(
        monkeypatch,
        tmp_path,
        HF_API_URL=hf.url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack.api_url,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        PAPERBOT_HTTP_TIMEOUT="0.3",
    )


def subscribe_channels(db: sqlite_utils.Database, slack: FakeSlack, count: int) -> list[ChannelRef]:
    refs = []
    with time_machine.travel("2026-06-10T00:00:00Z", tick=False):
        for n in range(count):
            slack.add_channel(f"C{n}")
            ref = ChannelRef("slack", f"C{n}", "T1")
            channel_store.ensure_channel(db, ref, post_time="09:00", timezone="UTC", days="weekdays", size=3)
            refs.append(ref)
    return refs


async def test_hf_down_at_post_time_then_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack, fake_hf: FakeHF
) -> None:
    slack = fake_slack
    slack_env(tmp_path, monkeypatch, fake_slack, fake_hf)
    bot = Bot(load_settings(), tick_seconds=3600)
    bot.fetch_fresh = timedelta(0)  # ticks here are minutes apart on the schedule's clock, not the wall clock
    refs = subscribe_channels(inspect(bot), slack, 3)
    fake_hf.fail(500, times=4)  # one whole fetch (4 attempts) of 500s ...
    fake_hf.stall(2.0, times=4)  # ... then one of timeouts
    at = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    first = await bot.tick(at)
    assert sorted(first.waiting) == sorted(r.key for r in refs)
    second = await bot.tick(at + timedelta(minutes=5))
    assert len(second.waiting) == 3 and all(slack.messages(r.channel) == [] for r in refs)
    assert len(fake_hf.requests) == 8  # one fetch (4 attempts) per tick, not one per channel
    fake_hf.days["2026-06-10"] = day_items("2026-06-10", 8)  # Hugging Face is back
    third = await bot.tick(at + timedelta(minutes=10))
    assert sorted(third.sent) == sorted(r.key for r in refs)
    await bot.tick(at + timedelta(minutes=15))
    assert all(len(slack.messages(r.channel)) == 1 for r in refs)
    await bot.stop()


async def test_a_429_storm_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack, fake_hf: FakeHF
) -> None:
    slack = fake_slack
    slack_env(tmp_path, monkeypatch, fake_slack, fake_hf)
    fake_hf.days["2026-06-10"] = day_items("2026-06-10", 8)
    bot = Bot(load_settings(), tick_seconds=3600)
    refs = subscribe_channels(inspect(bot), slack, 6)
    slack.throttle("chat.postMessage", times=8, retry_after=0)
    at = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    for minute in range(0, 30, 5):  # some sends exhaust their retries and wait for the next tick
        await bot.tick(at + timedelta(minutes=minute))
    counts = {r.channel: len(slack.messages(r.channel)) for r in refs}
    assert counts == {r.channel: 1 for r in refs}
    keys = [m["metadata"]["event_payload"]["key"] for r in refs for m in slack.messages(r.channel)]
    assert len(keys) == len(set(keys))
    assert json.dumps([slack.messages(r.channel) for r in refs]).count("paperbot_digest") == 6
    await bot.stop()
