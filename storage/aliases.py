"""The acronym <-> long-form table that query expansion reads and import-time mining writes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import sqlite_utils


def save_aliases(db: sqlite_utils.Database, pairs: Iterable[tuple[str, str]]) -> int:
    """Add mined (short, long) pairs; seeing a pair again raises its count (how sure we are)."""
    counts = Counter(pairs)
    with db.conn:
        db.conn.executemany(
            "INSERT INTO aliases (short, long, count) VALUES (?, ?, ?) "
            "ON CONFLICT(short, long) DO UPDATE SET count = aliases.count + excluded.count",
            [(s, long, n) for (s, long), n in counts.items()],
        )
    return len(counts)


def long_forms(db: sqlite_utils.Database, short: str, min_count: int = 1, limit: int = 4) -> list[str]:
    rows = db.execute(
        "SELECT long FROM aliases WHERE short = ? AND count >= ? ORDER BY count DESC, long LIMIT ?",
        [short, min_count, limit],
    ).fetchall()
    return [r[0] for r in rows]


def short_forms(db: sqlite_utils.Database, long: str, min_count: int = 1, limit: int = 2) -> list[str]:
    rows = db.execute(
        "SELECT short FROM aliases WHERE long = ? AND count >= ? ORDER BY count DESC, short LIMIT ?",
        [long, min_count, limit],
    ).fetchall()
    return [r[0] for r in rows]


def alias_count(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT count(*) FROM aliases").fetchone()[0])
