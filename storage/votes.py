"""Votes (👍/👎) per person per paper per channel, and the paper texts a channel's taste is learned from."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import sqlite_utils

from paperbot.bot.models import ChannelRef
from paperbot.storage.papers import now_iso

RECENT_LIMIT = 2000  # votes a channel's profile is learned from, newest first


class Outcome(StrEnum):
    RECORDED = "recorded"  # a new vote
    CHANGED = "changed"  # 👍 became 👎 or the reverse
    WITHDRAWN = "withdrawn"  # the same vote again, or `clear`
    UNCHANGED = "unchanged"  # `clear` with nothing to clear


@dataclass(frozen=True)
class StoredVote:
    paper_id: str
    user: str
    value: int
    voted_at: str


def cast(
    db: sqlite_utils.Database, ref: ChannelRef, paper_id: str, user: str, value: int, *, toggle: bool
) -> Outcome:
    """Record `value` (+1, -1, or 0 to clear). With `toggle`, pressing the same vote again withdraws it."""
    if value not in (-1, 0, 1):
        raise ValueError(f"a vote is +1, -1 or 0, not {value!r}")
    with db.conn:
        row = db.execute(
            "SELECT value FROM votes WHERE channel_key = ? AND paper_id = ? AND user = ?",
            [ref.key, paper_id, user],
        ).fetchone()
        before = int(row[0]) if row else 0
        if value == 0 or (toggle and before == value):
            if not before:
                return Outcome.UNCHANGED
            db.execute(
                "DELETE FROM votes WHERE channel_key = ? AND paper_id = ? AND user = ?",
                [ref.key, paper_id, user],
            )
            return Outcome.WITHDRAWN
        if before == value:
            return Outcome.UNCHANGED
        db.execute(
            "INSERT INTO votes (channel_key, paper_id, user, value, voted_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (channel_key, paper_id, user) DO UPDATE SET value = excluded.value, "
            "voted_at = excluded.voted_at",
            [ref.key, paper_id, user, value, now_iso()],
        )
        return Outcome.CHANGED if before else Outcome.RECORDED


def channel_votes(db: sqlite_utils.Database, ref: ChannelRef, limit: int = RECENT_LIMIT) -> list[StoredVote]:
    rows = db.execute(
        "SELECT paper_id, user, value, voted_at FROM votes WHERE channel_key = ? "
        "ORDER BY voted_at DESC, paper_id LIMIT ?",
        [ref.key, int(limit)],
    ).fetchall()
    return [StoredVote(str(p), str(u), int(v), str(t)) for p, u, v, t in rows]


def vote_of(db: sqlite_utils.Database, ref: ChannelRef, paper_id: str, user: str) -> int:
    row = db.execute(
        "SELECT value FROM votes WHERE channel_key = ? AND paper_id = ? AND user = ?",
        [ref.key, paper_id, user],
    ).fetchone()
    return int(row[0]) if row else 0


def reset(db: sqlite_utils.Database, ref: ChannelRef) -> int:
    """Forget every vote of the channel; returns how many were forgotten."""
    with db.conn:
        return int(db.execute("DELETE FROM votes WHERE channel_key = ?", [ref.key]).rowcount)


@dataclass(frozen=True)
class PaperText:
    pk: int
    paper_id: str
    title: str
    summary: str
    keywords: tuple[str, ...]
    ai_summary: str = ""  # Hugging Face's one-sentence summary, when it has one


def _texts(rows: list[tuple[object, ...]]) -> list[PaperText]:
    found = []
    for pk, paper_id, title, summary, keywords, ai_summary in rows:
        try:
            words = json.loads(str(keywords or "[]"))
        except ValueError:
            words = []
        found.append(
            PaperText(
                int(pk),  # type: ignore[call-overload]
                str(paper_id),
                str(title or ""),
                str(summary or ""),
                tuple(str(w) for w in words) if isinstance(words, list) else (),
                str(ai_summary or ""),
            )
        )
    return found


_TEXT = "SELECT pk, id, title, summary, ai_keywords, ai_summary FROM papers"


def texts_by_id(db: sqlite_utils.Database, paper_ids: Sequence[str]) -> dict[str, PaperText]:
    found: dict[str, PaperText] = {}
    ids = list(dict.fromkeys(paper_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" for _ in chunk)
        found.update(
            (t.paper_id, t) for t in _texts(db.execute(f"{_TEXT} WHERE id IN ({marks})", chunk).fetchall())
        )
    return found


def recent_texts(db: sqlite_utils.Database, limit: int) -> list[PaperText]:
    """The newest `limit` papers stored: the sample term rarity (idf) is measured on."""
    return _texts(db.execute(f"{_TEXT} ORDER BY pk DESC LIMIT ?", [int(limit)]).fetchall())


def excluded_pks(db: sqlite_utils.Database, expression: str, lo: int, hi: int) -> set[int]:
    """Papers with pk in [lo, hi] matching an FTS expression built by bot/query.py (never raw user text)."""
    rows = db.execute(
        "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? AND rowid >= ? AND rowid <= ?",
        [expression, lo, hi],
    ).fetchall()
    return {int(r[0]) for r in rows}


def recent_sent(db: sqlite_utils.Database, ref: ChannelRef, limit: int) -> list[str]:
    """The papers most recently delivered to the channel (its digests), newest first."""
    rows = db.execute(
        "SELECT paper_id FROM sent_papers WHERE channel_key = ? ORDER BY day DESC, paper_id LIMIT ?",
        [ref.key, int(limit)],
    ).fetchall()
    return [str(r[0]) for r in rows]
