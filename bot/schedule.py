"""Pure helpers for channel schedules: post time, time zone, days, and when a channel is due."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

WEEKDAYS = frozenset(range(5))
DAILY = frozenset(range(7))
DAY_SETS = {"weekdays": WEEKDAYS, "daily": DAILY, "everyday": DAILY, "weekends": frozenset({5, 6})}
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")


def parse_time(text: str) -> time:
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time; use 24-hour HH:MM, e.g. 09:00")
    return time(int(match.group(1)), int(match.group(2)))


def parse_zone(text: str) -> zoneinfo.ZoneInfo:
    name = text.strip()
    if not name or len(name) > 64 or ".." in name or name.startswith("/"):
        raise ValueError(f"{text[:64]!r} is not a time zone; use an IANA name like Europe/Berlin")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name like Europe/Berlin or America/New_York"
        ) from None


def parse_days(text: str) -> frozenset[int]:
    try:
        return DAY_SETS[text.strip().lower()]
    except KeyError:
        raise ValueError(f"{text[:40]!r} is not a day set; use weekdays or daily") from None


def days_name(days: frozenset[int]) -> str:
    for name, value in DAY_SETS.items():
        if value == days:
            return name
    return ",".join(str(d) for d in sorted(days))


@dataclass(frozen=True)
class Schedule:
    post_time: time
    zone: zoneinfo.ZoneInfo
    days: frozenset[int]

    def local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def post_instant(self, day: date) -> datetime:
        """The UTC-aware instant of `day`'s post; a wall time skipped by DST resolves forwards."""
        naive = datetime.combine(day, self.post_time)
        local = naive.replace(tzinfo=self.zone, fold=0)
        # Round-trip through UTC: a non-existent wall time (spring forward) lands after the gap.
        return local.astimezone(zoneinfo.ZoneInfo("UTC"))

    def due_day(self, instant: datetime) -> date | None:
        """The local day whose post is due at `instant`, or None when nothing is due yet today."""
        day = self.local_day(instant)
        if day.weekday() not in self.days:
            return None
        return day if instant >= self.post_instant(day) else None

    def next_post(self, instant: datetime) -> datetime:
        day = self.local_day(instant)
        for offset in range(8):
            candidate = day + timedelta(days=offset)
            when = self.post_instant(candidate)
            if candidate.weekday() in self.days and when > instant:
                return when
        raise ValueError("schedule has no days")  # unreachable for non-empty day sets
