"""Follows (authors and organisations a channel follows), each channel's alert options, and the papers
new since a follow that an alert pass looks at."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import sqlite_utils

from paperbot.bot.follows import Follow, Kind
from paperbot.bot.models import ChannelRef, Paper
from paperbot.storage import papers as paper_store
from paperbot.storage.papers import now_iso


class AlertMode(StrEnum):
    NOW = "now"  # alerts go out within one fetch cycle
    DIGEST = "digest"  # alerts wait for the channel's schedule window


@dataclass(frozen=True)
class Options:
    alerts: AlertMode = AlertMode.NOW
    followups: bool = True
    upvotes_mark: int = 100  # a follow-up when a posted paper reaches this many upvotes
    stars_mark: int = 1000  # ... or its repository this many GitHub stars


def follows(db: sqlite_utils.Database, ref: ChannelRef) -> list[Follow]:
    rows = db.execute(
        "SELECT kind, key, name, created_at FROM follows WHERE channel_key = ? ORDER BY created_at, kind, key",
        [ref.key],
    ).fetchall()
    return [Follow(Kind(k), str(key), str(name), str(since)) for k, key, name, since in rows]


def add_follow(db: sqlite_utils.Database, ref: ChannelRef, follow: Follow, user: str) -> bool:
    """True when the follow is new for the channel. Stamped like `papers.added_at` (whole seconds), so
    "added since the follow" compares like with like."""
    with db.conn:
        cursor = db.execute(
            "INSERT INTO follows (channel_key, kind, key, name, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ','now')) "
            "ON CONFLICT(channel_key, kind, key) DO NOTHING",
            [ref.key, follow.kind.value, follow.key, follow.name, user],
        )
    return cursor.rowcount > 0


def remove_follow(db: sqlite_utils.Database, ref: ChannelRef, follow: Follow) -> bool:
    with db.conn:
        cursor = db.execute(
            "DELETE FROM follows WHERE channel_key = ? AND kind = ? AND key = ?",
            [ref.key, follow.kind.value, follow.key],
        )
    return cursor.rowcount > 0


def options(db: sqlite_utils.Database, ref: ChannelRef) -> Options:
    row = db.execute(
        "SELECT alerts, followups, upvotes_mark, stars_mark FROM follow_options WHERE channel_key = ?",
        [ref.key],
    ).fetchone()
    return Options(AlertMode(row[0]), bool(row[1]), int(row[2]), int(row[3])) if row else Options()


def set_options(
    db: sqlite_utils.Database,
    ref: ChannelRef,
    *,
    alerts: AlertMode | None = None,
    followups: bool | None = None,
    upvotes_mark: int | None = None,
    stars_mark: int | None = None,
) -> Options:
    current = options(db, ref)
    chosen = Options(
        alerts or current.alerts,
        current.followups if followups is None else followups,
        upvotes_mark or current.upvotes_mark,
        stars_mark or current.stars_mark,
    )
    with db.conn:
        db.execute(
            "INSERT INTO follow_options (channel_key, alerts, followups, upvotes_mark, stars_mark, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(channel_key) DO UPDATE SET alerts = excluded.alerts, "
            "followups = excluded.followups, upvotes_mark = excluded.upvotes_mark, "
            "stars_mark = excluded.stars_mark, updated_at = excluded.updated_at",
            [
                ref.key,
                chosen.alerts.value,
                int(chosen.followups),
                chosen.upvotes_mark,
                chosen.stars_mark,
                now_iso(),
            ],
        )
    return chosen


def new_papers(db: sqlite_utils.Database, ref: ChannelRef, limit: int = 2000) -> list[tuple[Paper, str]]:
    """Papers first stored at or after the channel's oldest follow and not yet sent to the channel, with
    when each was stored: what an alert pass matches against (matching is the core's, on folded names)."""
    rows = paper_store.dict_rows(
        db,
        "SELECT p.* FROM papers p WHERE p.added_at >= "
        "(SELECT min(created_at) FROM follows WHERE channel_key = ?) "
        "AND NOT EXISTS (SELECT 1 FROM sent_papers s WHERE s.channel_key = ? AND s.paper_id = p.id) "
        "ORDER BY p.added_at, p.pk LIMIT ?",
        [ref.key, ref.key, limit],
    )
    return [(paper_store.paper_of(r), str(r["added_at"])) for r in rows]
