"""Schedules on fixed clocks: per-channel cron triggers across zones, both DST transitions, weekdays,
and a schedule change reaching the running scheduler."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from paperbot.bot.app import Bot
from paperbot.bot.config import load_settings
from paperbot.bot.jobs import channel_trigger
from paperbot.bot.models import ChannelRef, Command
from paperbot.bot.schedule import Schedule, parse_days, parse_time, parse_zone
from paperbot.storage.channels import ChannelSettings
from tests.conftest import bot_env


def settings(zone: str, time: str = "09:00", days: str = "weekdays") -> ChannelSettings:
    return ChannelSettings(ChannelRef("console", "c"), time, zone, days, 5, False, None)


def next_fire(zone: str, now: datetime, time: str = "09:00", days: str = "weekdays") -> datetime:
    fire = channel_trigger(settings(zone, time, days)).get_next_fire_time(None, now)
    assert fire is not None
    return fire.astimezone(UTC)


@pytest.mark.parametrize(
    ("zone", "now", "expected"),
    [
        ("Europe/Berlin", datetime(2026, 6, 10, 6, 0, tzinfo=UTC), datetime(2026, 6, 10, 7, 0, tzinfo=UTC)),
        (
            "America/New_York",
            datetime(2026, 6, 10, 6, 0, tzinfo=UTC),
            datetime(2026, 6, 10, 13, 0, tzinfo=UTC),
        ),
        ("Asia/Kolkata", datetime(2026, 6, 10, 6, 0, tzinfo=UTC), datetime(2026, 6, 11, 3, 30, tzinfo=UTC)),
        # Friday after post time: the next weekday is Monday
        ("Europe/Berlin", datetime(2026, 6, 12, 8, 0, tzinfo=UTC), datetime(2026, 6, 15, 7, 0, tzinfo=UTC)),
    ],
)
def test_next_post_in_three_zones(zone: str, now: datetime, expected: datetime) -> None:
    assert next_fire(zone, now) == expected
    schedule = Schedule(parse_time("09:00"), parse_zone(zone), parse_days("weekdays"))
    assert schedule.next_post(now) == expected


def test_spring_forward_and_fall_back_keep_local_wall_time() -> None:
    # Berlin springs forward on Sun 29 Mar 2026: Friday 09:00 is 08:00 UTC, Monday 09:00 is 07:00 UTC.
    assert next_fire("Europe/Berlin", datetime(2026, 3, 27, 0, 0, tzinfo=UTC)) == datetime(
        2026, 3, 27, 8, 0, tzinfo=UTC
    )
    assert next_fire("Europe/Berlin", datetime(2026, 3, 28, 0, 0, tzinfo=UTC)) == datetime(
        2026, 3, 30, 7, 0, tzinfo=UTC
    )
    # New York falls back on Sun 1 Nov 2026: 09:00 EDT = 13:00 UTC before, 09:00 EST = 14:00 UTC after.
    assert next_fire("America/New_York", datetime(2026, 10, 30, 0, 0, tzinfo=UTC)) == datetime(
        2026, 10, 30, 13, 0, tzinfo=UTC
    )
    assert next_fire("America/New_York", datetime(2026, 10, 31, 0, 0, tzinfo=UTC)) == datetime(
        2026, 11, 2, 14, 0, tzinfo=UTC
    )


def test_a_wall_time_that_never_happens_still_posts_that_day() -> None:
    # 02:30 does not exist in Berlin on 29 Mar 2026; the day still gets one post, after the gap.
    schedule = Schedule(parse_time("02:30"), parse_zone("Europe/Berlin"), parse_days("daily"))
    post = schedule.post_instant(datetime(2026, 3, 29).date())
    assert post.astimezone(ZoneInfo("Europe/Berlin")).date().isoformat() == "2026-03-29"
    assert schedule.due_day(post) is not None and schedule.due_day(post).isoformat() == "2026-03-29"  # type: ignore[union-attr]
    fire = next_fire("Europe/Berlin", datetime(2026, 3, 29, 0, 0, tzinfo=UTC), "02:30", "daily")
    assert fire.astimezone(ZoneInfo("Europe/Berlin")).date().isoformat() == "2026-03-29"


def test_daily_includes_weekends() -> None:
    saturday = datetime(2026, 6, 13, 0, 0, tzinfo=UTC)
    assert next_fire("UTC", saturday, days="daily") == datetime(2026, 6, 13, 9, 0, tzinfo=UTC)
    assert next_fire("UTC", saturday, days="weekdays") == datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


async def test_schedule_change_reaches_the_running_scheduler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot_env(monkeypatch, tmp_path)
    bot = Bot(load_settings(), tick_seconds=3600)
    await bot.start()
    ref = ChannelRef("console", "c")
    try:
        await bot.service.handle(Command(ref, "u", "schedule 07:15 Asia/Tokyo daily"))
        await asyncio.sleep(0.05)  # the change hops from the core's thread to the loop
        first = bot.jobs.next_post(ref.key)
        assert first is not None
        local = first.astimezone(ZoneInfo("Asia/Tokyo"))
        assert (local.hour, local.minute) == (7, 15)
        await bot.service.handle(Command(ref, "u", "schedule 18:40 Europe/Paris"))
        await asyncio.sleep(0.05)
        second = bot.jobs.next_post(ref.key)
        assert second is not None
        local = second.astimezone(ZoneInfo("Europe/Paris"))
        assert (local.hour, local.minute) == (18, 40)
        await bot.service.handle(Command(ref, "u", "pause"))
        await asyncio.sleep(0.05)
        assert bot.jobs.next_post(ref.key) is None
    finally:
        await bot.stop()
