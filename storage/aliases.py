"""The acronym <-> long-form table that query expansion reads and import-time mining writes."""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

SEED = ""  # paper_id of built-in definitions


def save_aliases(db: sqlite_utils.Database, rows: Iterable[tuple[str, str, str]]) -> None:
    """Record (short, long, paper_id) definitions; the same paper defining the same pair twice adds nothing."""
    with db.conn:
        db.conn.executemany("INSERT OR IGNORE INTO aliases (short, long, paper_id) VALUES (?, ?, ?)", rows)


def long_forms(db: sqlite_utils.Database, short: str, limit: int = 4) -> list[str]:
    """Long forms of `short`, the most widely agreed first."""
    rows = db.execute(
        "SELECT long FROM aliases WHERE short = ? GROUP BY long ORDER BY count(*) DESC, long LIMIT ?",
        [short, limit],
    ).fetchall()
    return [r[0] for r in rows]


def short_forms(db: sqlite_utils.Database, long: str, limit: int = 2) -> list[str]:
    rows = db.execute(
        "SELECT short FROM aliases WHERE long = ? GROUP BY short ORDER BY count(*) DESC, short LIMIT ?",
        [long, limit],
    ).fetchall()
    return [r[0] for r in rows]


def has_seeds(db: sqlite_utils.Database) -> bool:
    return db.execute("SELECT 1 FROM aliases WHERE paper_id = ? LIMIT 1", [SEED]).fetchone() is not None
