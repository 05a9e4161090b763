"""The delivery ledger: one row per (channel, local day), claimed before sending, confirmed after.

A catch-up digest has its own row (day "catchup:YYYY-MM-DD") listing the missed days it `covers`;
confirming it marks those days too, in the same transaction.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import sqlite_utils

from paperbot.bot.models import ChannelRef
from paperbot.storage.papers import now_iso


class Status(StrEnum):
    """A ledger row's state; the SQL below is built from these, never from literals."""

    CLAIMED = "claimed"  # being posted, or left open by a crash
    SENT = "sent"
    EMPTY = "empty"  # nothing to post that day; recorded so the day is not retried forever
    FAILED = "failed"  # released after a send that certainly did not happen: retried later
    WAITING = "waiting"  # the day's list is still empty or partial: retried later
    CAUGHT_UP = "caught_up"  # folded into a catch-up digest


RETRYABLE = (Status.FAILED, Status.WAITING)
_RETRYABLE_SQL = "(" + ", ".join(f"'{s.value}'" for s in RETRYABLE) + ")"


def _owner() -> str:
    """Who holds a claim, for the log line that settles it after a crash."""
    return f"pid {os.getpid()} on {socket.gethostname()}"


@dataclass(frozen=True)
class Delivery:
    channel_key: str
    day: str
    status: str
    claimed_at: str
    sent_at: str | None
    message_ids: list[str]
    papers: list[str]
    covers: list[str]
    error: str | None
    attempts: int
    owner: str | None = None
    thread: str | None = None  # a follow-up: the message it replies to

    @property
    def ref(self) -> ChannelRef:
        platform, _, channel = self.channel_key.partition(":")
        return ChannelRef(platform, channel)


_SELECT = (
    "SELECT channel_key, day, status, claimed_at, sent_at, message_ids, papers, covers, error, attempts, owner, "
    "thread FROM deliveries"
)


def _delivery(row: tuple[object, ...]) -> Delivery:
    key, day, status, claimed, sent, ids, papers, covers, error, attempts, owner, thread = row
    return Delivery(
        str(key),
        str(day),
        str(status),
        str(claimed),
        str(sent) if sent else None,
        json.loads(str(ids)),
        json.loads(str(papers)),
        json.loads(str(covers)),
        str(error) if error else None,
        int(attempts),  # type: ignore[call-overload]
        str(owner) if owner else None,
        str(thread) if thread else None,
    )


def get(db: sqlite_utils.Database, ref: ChannelRef, day: str) -> Delivery | None:
    row = db.execute(f"{_SELECT} WHERE channel_key = ? AND day = ?", [ref.key, day]).fetchone()
    return _delivery(row) if row else None


def for_days(db: sqlite_utils.Database, ref: ChannelRef, days: Sequence[str]) -> dict[str, Delivery]:
    if not days:
        return {}
    marks = ",".join("?" for _ in days)
    rows = db.execute(f"{_SELECT} WHERE channel_key = ? AND day IN ({marks})", [ref.key, *days]).fetchall()
    return {d.day: d for d in map(_delivery, rows)}


def claim(
    db: sqlite_utils.Database,
    ref: ChannelRef,
    day: str,
    paper_ids: Sequence[str],
    covers: Sequence[str] = (),
    thread: str | None = None,
) -> bool:
    """Take the (channel, day) slot. False when it is taken: someone sent, or is sending, it."""
    with db.conn:
        cursor = db.execute(
            "INSERT INTO deliveries (channel_key, day, status, claimed_at, papers, covers, owner, thread) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(channel_key, day) DO UPDATE SET status = excluded.status, claimed_at = excluded.claimed_at, "
            "papers = excluded.papers, covers = excluded.covers, owner = excluded.owner, error = NULL, "
            "thread = excluded.thread, "
            f"attempts = deliveries.attempts + 1 WHERE deliveries.status IN {_RETRYABLE_SQL}",
            [
                ref.key,
                day,
                Status.CLAIMED,
                now_iso(),
                json.dumps(list(paper_ids)),
                json.dumps(list(covers)),
                _owner(),
                thread,
            ],
        )
    return cursor.rowcount > 0


def confirm(db: sqlite_utils.Database, ref: ChannelRef, day: str, message_ids: Sequence[str]) -> None:
    """Mark the day sent, remember its papers so the channel never sees them again, settle covered days."""
    row = get(db, ref, day)
    papers = row.papers if row else []
    covers = row.covers if row else []
    stamp = now_iso()
    with db.conn:
        db.execute(
            "UPDATE deliveries SET status = ?, sent_at = ?, message_ids = ? WHERE channel_key = ? AND day = ?",
            [Status.SENT, stamp, json.dumps(list(message_ids)), ref.key, day],
        )
        db.conn.executemany(
            "INSERT OR IGNORE INTO sent_papers (channel_key, paper_id, day) VALUES (?, ?, ?)",
            [(ref.key, pid, day) for pid in papers],
        )
        _settle(db, ref, covers, Status.CAUGHT_UP, f"in the catch-up digest {day}")


def _settle(db: sqlite_utils.Database, ref: ChannelRef, days: Sequence[str], status: str, note: str) -> None:
    db.conn.executemany(
        "INSERT INTO deliveries (channel_key, day, status, claimed_at, error) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(channel_key, day) DO UPDATE SET status = excluded.status, error = excluded.error "
        f"WHERE deliveries.status IN {_RETRYABLE_SQL}",
        [(ref.key, d, status, now_iso(), note) for d in days],
    )


def record_empty(db: sqlite_utils.Database, ref: ChannelRef, days: Sequence[str], reason: str) -> None:
    """Nothing to post for these days: settled, with the reason (shown by status), never retried."""
    with db.conn:
        _settle(db, ref, days, Status.EMPTY, reason[:500])


def wait(db: sqlite_utils.Database, ref: ChannelRef, day: str, reason: str) -> None:
    """The day is not ready (no or a partial list); a later tick tries again."""
    with db.conn:
        _settle(db, ref, [day], Status.WAITING, reason[:500])


def fail(db: sqlite_utils.Database, ref: ChannelRef, day: str, error: str) -> None:
    """Release a claim after a send that certainly did not happen, so a later tick retries it."""
    with db.conn:
        db.execute(
            "UPDATE deliveries SET status = ?, error = ? WHERE channel_key = ? AND day = ? AND status = ?",
            [Status.FAILED, error[:500], ref.key, day, Status.CLAIMED],
        )


def unconfirmed(db: sqlite_utils.Database) -> list[Delivery]:
    return [_delivery(r) for r in db.execute(f"{_SELECT} WHERE status = ?", [Status.CLAIMED]).fetchall()]


def last_for(db: sqlite_utils.Database, ref: ChannelRef) -> Delivery | None:
    """The channel's latest digest (alerts and follow-ups, slots "alert:..." and "followup:...", are not)."""
    row = db.execute(
        f"{_SELECT} WHERE channel_key = ? AND day NOT LIKE 'alert:%' AND day NOT LIKE 'followup:%' "
        "ORDER BY claimed_at DESC, day DESC LIMIT 1",
        [ref.key],
    ).fetchone()
    return _delivery(row) if row else None


def claimed_papers(db: sqlite_utils.Database, ref: ChannelRef) -> set[str]:
    """Papers of the channel's claims still open (being sent, or unverifiable after a crash)."""
    rows = db.execute(
        "SELECT papers FROM deliveries WHERE channel_key = ? AND status = ?", [ref.key, Status.CLAIMED]
    ).fetchall()
    return {pid for (papers,) in rows for pid in json.loads(str(papers))}


def sent_paper_ids(db: sqlite_utils.Database, ref: ChannelRef) -> set[str]:
    return {
        r[0]
        for r in db.execute("SELECT paper_id FROM sent_papers WHERE channel_key = ?", [ref.key]).fetchall()
    }


def count_sent(db: sqlite_utils.Database, ref: ChannelRef, day: str) -> int:
    row = db.execute(
        "SELECT count(*) FROM deliveries WHERE channel_key = ? AND day = ? AND status = ?",
        [ref.key, day, Status.SENT],
    ).fetchone()
    return int(row[0])


def sent_paper_ids_between(db: sqlite_utils.Database, ref: ChannelRef, first: str, last: str) -> set[str]:
    """Papers the channel got in a daily or catch-up digest dated `first`..`last` (YYYY-MM-DD)."""
    rows = db.execute(
        "SELECT paper_id FROM sent_papers WHERE channel_key = ? "
        "AND (day BETWEEN ? AND ? OR day BETWEEN ? AND ?)",
        [ref.key, first, last, f"catchup:{first}", f"catchup:{last}"],
    ).fetchall()
    return {r[0] for r in rows}
