"""The delivery ledger: one row per (channel, local day), claimed before sending, confirmed after."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from bot.models import ChannelRef
from storage.papers import now_iso

CLAIMED = "claimed"
SENT = "sent"
EMPTY = "empty"  # nothing to post that day; recorded so the day is not retried forever
FAILED = "failed"


@dataclass(frozen=True)
class Delivery:
    channel_key: str
    day: str
    status: str
    claimed_at: str
    sent_at: str | None
    message_ids: list[str]
    papers: list[str]
    error: str | None
    attempts: int


_SELECT = "SELECT channel_key, day, status, claimed_at, sent_at, message_ids, papers, error, attempts FROM deliveries"


def _delivery(row: tuple[object, ...]) -> Delivery:
    key, day, status, claimed, sent, ids, papers, error, attempts = row
    return Delivery(
        str(key),
        str(day),
        str(status),
        str(claimed),
        str(sent) if sent else None,
        json.loads(str(ids)),
        json.loads(str(papers)),
        str(error) if error else None,
        int(attempts),  # type: ignore[call-overload]
    )


def get(db: sqlite_utils.Database, ref: ChannelRef, day: str) -> Delivery | None:
    row = db.execute(f"{_SELECT} WHERE channel_key = ? AND day = ?", [ref.key, day]).fetchone()
    return _delivery(row) if row else None


def claim(db: sqlite_utils.Database, ref: ChannelRef, day: str, paper_ids: Sequence[str]) -> bool:
    """Take the (channel, day) slot. False when it is already taken: someone sent or is sending it."""
    with db.conn:
        cursor = db.execute(
            "INSERT INTO deliveries (channel_key, day, status, claimed_at, papers) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(channel_key, day) DO UPDATE SET status = excluded.status, claimed_at = excluded.claimed_at, "
            "papers = excluded.papers, error = NULL, attempts = deliveries.attempts + 1 "
            "WHERE deliveries.status = 'failed'",
            [ref.key, day, CLAIMED, now_iso(), json.dumps(list(paper_ids))],
        )
    return cursor.rowcount > 0


def confirm(db: sqlite_utils.Database, ref: ChannelRef, day: str, message_ids: Sequence[str]) -> None:
    """Mark the day sent and remember its papers so the channel never sees them again."""
    row = get(db, ref, day)
    papers = row.papers if row else []
    with db.conn:
        db.execute(
            "UPDATE deliveries SET status = ?, sent_at = ?, message_ids = ? WHERE channel_key = ? AND day = ?",
            [SENT, now_iso(), json.dumps(list(message_ids)), ref.key, day],
        )
        db.conn.executemany(
            "INSERT OR IGNORE INTO sent_papers (channel_key, paper_id, day) VALUES (?, ?, ?)",
            [(ref.key, pid, day) for pid in papers],
        )


def record_empty(db: sqlite_utils.Database, ref: ChannelRef, day: str, reason: str) -> None:
    with db.conn:
        db.execute(
            "INSERT INTO deliveries (channel_key, day, status, claimed_at, error) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(channel_key, day) DO NOTHING",
            [ref.key, day, EMPTY, now_iso(), reason[:500]],
        )


def fail(db: sqlite_utils.Database, ref: ChannelRef, day: str, error: str) -> None:
    """Release a claim after a send that certainly did not happen, so a later tick retries it."""
    with db.conn:
        db.execute(
            "UPDATE deliveries SET status = ?, error = ? WHERE channel_key = ? AND day = ? AND status = ?",
            [FAILED, error[:500], ref.key, day, CLAIMED],
        )


def unconfirmed(db: sqlite_utils.Database) -> list[Delivery]:
    return [_delivery(r) for r in db.execute(f"{_SELECT} WHERE status = ?", [CLAIMED]).fetchall()]


def last_for(db: sqlite_utils.Database, ref: ChannelRef) -> Delivery | None:
    row = db.execute(f"{_SELECT} WHERE channel_key = ? ORDER BY day DESC LIMIT 1", [ref.key]).fetchone()
    return _delivery(row) if row else None


def sent_paper_ids(db: sqlite_utils.Database, ref: ChannelRef) -> set[str]:
    return {
        r[0]
        for r in db.execute("SELECT paper_id FROM sent_papers WHERE channel_key = ?", [ref.key]).fetchall()
    }


def count_sent(db: sqlite_utils.Database, ref: ChannelRef, day: str) -> int:
    row = db.execute(
        "SELECT count(*) FROM deliveries WHERE channel_key = ? AND day = ? AND status = ?",
        [ref.key, day, SENT],
    ).fetchone()
    return int(row[0])
