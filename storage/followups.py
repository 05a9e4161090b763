"""What follow-ups on posted papers are built from: which message carried each paper in a channel, the
paper's state when the channel first saw it (so only later changes are news), and which follow-up post
carried which event. Whether a follow-up was sent is the ledger's (`deliveries`) answer, never this file's."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from paperbot.bot.models import ChannelRef
from paperbot.storage.deliveries import Status


@dataclass(frozen=True)
class Posted:
    """A paper posted in a channel: the message to reply to, and the paper as it is now and was then."""

    paper_id: str
    title: str
    thread: str  # the platform id of the first message of the post that carried it
    github_repo: str | None
    project_page: str | None
    upvotes: int
    stars: int
    was_code: bool  # the baseline: what the channel had already seen
    was_page: bool
    was_upvotes: int
    was_stars: int


def posted(db: sqlite_utils.Database, ref: ChannelRef, since: str, limit: int = 500) -> list[Posted]:
    """Papers posted in the channel by a digest or alert sent at or after `since` (ISO time), with their
    baseline, recording the baseline of those seen here for the first time as they are now."""
    rows = db.execute(
        "SELECT s.paper_id, p.title, d.message_ids, p.github_repo, p.project_page, "
        "coalesce(p.upvotes, 0), coalesce(p.stars, 0) "
        "FROM sent_papers s JOIN deliveries d ON d.channel_key = s.channel_key AND d.day = s.day "
        "JOIN papers p ON p.id = s.paper_id "
        "WHERE s.channel_key = ? AND d.status = ? AND d.sent_at >= ? AND d.message_ids != '[]' "
        "ORDER BY d.sent_at DESC LIMIT ?",
        [ref.key, Status.SENT, since, limit],
    ).fetchall()
    with db.conn:
        db.conn.executemany(
            "INSERT OR IGNORE INTO followup_baseline (channel_key, paper_id, code, page, upvotes, stars) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(ref.key, r[0], int(bool(r[3])), int(bool(r[4])), r[5], r[6]) for r in rows],
        )
    base = {
        r[0]: r[1:]
        for r in db.execute(
            "SELECT paper_id, code, page, upvotes, stars FROM followup_baseline WHERE channel_key = ?",
            [ref.key],
        ).fetchall()
    }
    found = []
    for pid, title, ids, repo, page, upvotes, stars in rows:
        code0, page0, up0, stars0 = base[pid]
        found.append(
            Posted(
                str(pid),
                str(title),
                str(json.loads(ids)[0]),
                repo,
                page,
                int(upvotes),
                int(stars),
                bool(code0),
                bool(page0),
                int(up0),
                int(stars0),
            )
        )
    return found


GIVE_UP = 3  # failed sends of one follow-up (its message deleted, say) before its events are dropped


def done_events(db: sqlite_utils.Database, ref: ChannelRef, paper_id: str) -> set[str]:
    """Events already carried by a follow-up the ledger has as sent, or as claimed (sending, or left
    unverifiable by a crash: at most once), or that failed GIVE_UP times (never retried forever)."""
    rows = db.execute(
        "SELECT e.event FROM followup_events e JOIN deliveries d "
        "ON d.channel_key = e.channel_key AND d.day = e.slot "
        "WHERE e.channel_key = ? AND e.paper_id = ? "
        "AND (d.status IN (?, ?) OR (d.status = ? AND d.attempts >= ?))",
        [ref.key, paper_id, Status.SENT, Status.CLAIMED, Status.FAILED, GIVE_UP],
    ).fetchall()
    return {str(r[0]) for r in rows}


def record_events(
    db: sqlite_utils.Database, ref: ChannelRef, paper_id: str, slot: str, events: Sequence[str]
) -> None:
    """Which events the follow-up in `slot` carries; written before its ledger claim."""
    with db.conn:
        db.conn.executemany(
            "INSERT OR IGNORE INTO followup_events (channel_key, paper_id, event, slot) VALUES (?, ?, ?, ?)",
            [(ref.key, paper_id, e, slot) for e in events],
        )
