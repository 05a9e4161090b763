"""Pure helpers for channel schedules: post time, time zone, days, and when a channel is due."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

WEEKDAYS = frozenset(range(5))
DAILY = frozenset(range(7))
DAY_SETS = {"weekdays": WEEKDAYS, "daily": DAILY, "everyday": DAILY, "weekends": frozenset({5, 6})}
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
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


FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_weekday(text: str) -> int:
    """Mon..Sun (any case; three letters or more of the English name) -> 0..6."""
    word = text.strip().lower()
    for number, name in enumerate(FULL_NAMES):
        if len(word) >= 3 and name.startswith(word):
            return number
    raise ValueError(f"{text[:20]!r} is not a day of the week; use Mon, Tue, ... Sun")


def looks_like_time(text: str) -> bool:
    return bool(re.match(r"^\d{1,2}[:.h]\d", text.strip()))


def is_weekday(text: str) -> bool:
    try:
        parse_weekday(text)
    except ValueError:
        return False
    return True


def parse_days(text: str) -> frozenset[int]:
    """A day set (weekdays, daily, weekends) or one day of the week (the weekly roll-up's)."""
    try:
        return DAY_SETS[text.strip().lower()]
    except KeyError:
        pass
    try:
        return frozenset({parse_weekday(text)})
    except ValueError:
        raise ValueError(f"{text[:40]!r} is not a day set; use weekdays or daily") from None


def days_name(days: frozenset[int]) -> str:
    for name, value in DAY_SETS.items():
        if value == days:
            return name
    if len(days) == 1:
        return DAY_NAMES[min(days)]
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
