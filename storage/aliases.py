"""The acronym <-> long-form table that query expansion reads and import-time mining writes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import sqlite_utils

from paperbot.storage import meta
from paperbot.storage.db import transaction

SEEDED = "aliases_seeded"


def save_aliases(db: sqlite_utils.Database, pairs: Iterable[tuple[str, str]]) -> None:
    """Count (short, long) definitions: each pair is one more paper defining the acronym that way."""
    counts = Counter(pairs)
    with transaction(db):
        db.conn.executemany(
            "INSERT INTO aliases (short, long, count) VALUES (?, ?, ?) "
            "ON CONFLICT(short, long) DO UPDATE SET count = aliases.count + excluded.count",
            [(short, long, n) for (short, long), n in counts.items()],
        )


def long_forms(db: sqlite_utils.Database, short: str, limit: int = 4) -> list[str]:
    """Long forms of `short`, the most widely agreed first."""
    rows = db.execute(
        "SELECT long FROM aliases WHERE short = ? ORDER BY count DESC, long LIMIT ?", [short, limit]
    ).fetchall()
    return [r[0] for r in rows]


def definitions(db: sqlite_utils.Database, short: str) -> int:
    """How many papers (plus the built-in seed) define `short` as an acronym."""
    row = db.execute("SELECT coalesce(sum(count), 0) FROM aliases WHERE short = ?", [short]).fetchone()
    return int(row[0])


def short_forms(db: sqlite_utils.Database, long: str, limit: int = 2) -> list[str]:
    rows = db.execute(
        "SELECT short FROM aliases WHERE long = ? ORDER BY count DESC, short LIMIT ?", [long, limit]
    ).fetchall()
    return [r[0] for r in rows]


def seed_once(db: sqlite_utils.Database, pairs: Iterable[tuple[str, str]]) -> None:
    if meta.get(db, SEEDED) is None:
        save_aliases(db, pairs)
        meta.put(db, SEEDED, "1")
