"""Channels, their schedule settings and their topic subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from paperbot.bot.models import ChannelRef
from paperbot.storage.papers import now_iso


@dataclass(frozen=True)
class ChannelSettings:
    ref: ChannelRef
    post_time: str
    timezone: str
    days: str
    size: int
    paused: bool
    pause_reason: str | None
    created_at: str = ""
    images: bool = True  # cards show the paper's thumbnail
    cadence: str = "daily"  # or "weekly": one roll-up per ISO week on its `days` day
    cadence_since: str = ""  # when the cadence last changed: nothing before it is "missed"
    weekly_all: bool = False  # the roll-up may repeat what the channel got that week

    @property
    def weekly(self) -> bool:
        return self.cadence == "weekly"

    @property
    def created(self) -> datetime | None:
        return datetime.fromisoformat(self.created_at.replace("Z", "+00:00")) if self.created_at else None


def _settings(row: tuple[object, ...]) -> ChannelSettings:
    (
        platform,
        channel,
        workspace,
        post_time,
        tz,
        days,
        size,
        paused,
        reason,
        created,
        images,
        cadence,
        since,
        weekly_all,
    ) = row
    return ChannelSettings(
        ref=ChannelRef(str(platform), str(channel), str(workspace or "")),
        post_time=str(post_time),
        timezone=str(tz),
        days=str(days),
        size=int(size),  # type: ignore[call-overload]
        paused=bool(paused),
        pause_reason=str(reason) if reason else None,
        created_at=str(created),
        images=bool(images),
        cadence=str(cadence),
        cadence_since=str(since or ""),
        weekly_all=bool(weekly_all),
    )


_SELECT = (
    "SELECT platform, channel, workspace, post_time, timezone, days, size, paused, pause_reason, created_at, images, "
    "cadence, cadence_since, weekly_all "
    "FROM channels"
)


def get_channel(db: sqlite_utils.Database, ref: ChannelRef) -> ChannelSettings | None:
    row = db.execute(f"{_SELECT} WHERE key = ?", [ref.key]).fetchone()
    return _settings(row) if row else None


def ensure_channel(
    db: sqlite_utils.Database, ref: ChannelRef, *, post_time: str, timezone: str, days: str, size: int
) -> ChannelSettings:
    """The channel's settings, creating the row with the given defaults on first contact."""
    stamp = now_iso()
    with db.conn:
        db.execute(
            "INSERT INTO channels (key, platform, channel, workspace, post_time, timezone, days, size, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
            [
                ref.key,
                ref.platform,
                ref.channel,
                ref.workspace,
                post_time,
                timezone,
                days,
                size,
                stamp,
                stamp,
            ],
        )
    found = get_channel(db, ref)
    assert found is not None
    return found


_EDITABLE = frozenset(
    {
        "post_time",
        "timezone",
        "days",
        "size",
        "paused",
        "pause_reason",
        "workspace",
        "images",
        "cadence",
        "cadence_since",
        "weekly_all",
    }
)


def update_channel(db: sqlite_utils.Database, ref: ChannelRef, **changes: object) -> None:
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise ValueError(f"not a channel setting: {', '.join(sorted(unknown))}")
    if not changes:
        return
    assignments = ", ".join(f"{name} = ?" for name in changes)
    with db.conn:
        db.execute(
            f"UPDATE channels SET {assignments}, updated_at = ? WHERE key = ?",
            [*changes.values(), now_iso(), ref.key],
        )


def pause(db: sqlite_utils.Database, ref: ChannelRef, reason: str) -> None:
    update_channel(db, ref, paused=1, pause_reason=reason[:300])


def list_channels(db: sqlite_utils.Database, platform: str | None = None) -> list[ChannelSettings]:
    if platform:
        rows = db.execute(f"{_SELECT} WHERE platform = ? ORDER BY key", [platform]).fetchall()
    else:
        rows = db.execute(f"{_SELECT} ORDER BY key").fetchall()
    return [_settings(r) for r in rows]


def topics(db: sqlite_utils.Database, ref: ChannelRef) -> list[str]:
    rows = db.execute(
        "SELECT topic FROM subscriptions WHERE channel_key = ? ORDER BY created_at, topic", [ref.key]
    ).fetchall()
    return [r[0] for r in rows]


def add_topic(db: sqlite_utils.Database, ref: ChannelRef, topic: str, user: str) -> bool:
    """True when the topic is new for the channel."""
    with db.conn:
        cursor = db.execute(
            "INSERT INTO subscriptions (channel_key, topic, created_by, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(channel_key, topic) DO NOTHING",
            [ref.key, topic, user, now_iso()],
        )
    return cursor.rowcount > 0


def remove_topic(db: sqlite_utils.Database, ref: ChannelRef, topic: str) -> bool:
    with db.conn:
        cursor = db.execute("DELETE FROM subscriptions WHERE channel_key = ? AND topic = ?", [ref.key, topic])
    return cursor.rowcount > 0
