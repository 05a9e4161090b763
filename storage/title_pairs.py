"""Adjacent word pairs of every title ("reward model" -> reward_model), in a slim FTS5 table.

A title phrase such as "reinforcement learning for reasoning" is rare, but its words are not: FTS5 finds a
phrase by walking every paper whose title holds all of its words ("learning" and "for" are in a third of
all titles), 20-40 ms at a million papers even when no title holds it. Its pairs are rare, so the same
look-up as an AND of pairs reads short doclists: under a millisecond. The table keeps no text and no
positions (contentless, detail=none); storage.papers.save_papers adds rows and refreshes changed titles.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

import sqlite_utils

_WORDS = re.compile(r"[^\W_]+")  # the words bot.query's tokens() reads, so the pairs agree with the queries
BATCH = 10_000

# The ascii tokenizer: every non-ASCII character is part of a token, so a pair built from Python's words is
# always one token (unicode61 splits some characters Python calls letters, and detail=none has no phrases).
CREATE = (
    "CREATE VIRTUAL TABLE title_pairs USING fts5("
    "pairs, content='', detail=none, tokenize=\"ascii tokenchars '_'\")"
)


def pairs_of(words: Sequence[str]) -> list[str]:
    """`("reward", "model", "training")` -> ["reward_model", "model_training"]."""
    return [f"{a}_{b}" for a, b in itertools.pairwise(words)]


def text_of(title: str | None) -> str:
    return " ".join(pairs_of(_WORDS.findall((title or "").lower())))


def add(db: sqlite_utils.Database, rows: Iterable[tuple[int, str | None]]) -> None:
    """Index (pk, title) rows not indexed yet."""
    db.conn.executemany(
        "INSERT INTO title_pairs(rowid, pairs) VALUES (?, ?)", ((pk, text_of(title)) for pk, title in rows)
    )


def refresh_retitled(db: sqlite_utils.Database) -> None:
    """Re-index the titles that changed since the last call (noted by the papers_retitled trigger, with
    the title the table indexed: a contentless table forgets a row only given exactly what it indexed)."""
    rows = db.execute(
        "SELECT r.pk, r.old_title, p.title FROM retitled r JOIN papers p ON p.pk = r.pk"
    ).fetchall()
    for pk, old, new in rows:
        db.execute(
            "INSERT INTO title_pairs(title_pairs, rowid, pairs) VALUES ('delete', ?, ?)", [pk, text_of(old)]
        )
        add(db, [(pk, new)])
    if rows:
        db.execute("DELETE FROM retitled")


def fill(db: sqlite_utils.Database) -> None:
    """Index every stored title (the migration that adds the table, and a rebuild after delete-all)."""
    last = 0
    while rows := db.execute(
        "SELECT pk, title FROM papers WHERE pk > ? ORDER BY pk LIMIT ?", [last, BATCH]
    ).fetchall():
        add(db, rows)
        last = rows[-1][0]


def newest(db: sqlite_utils.Database, phrases: Sequence[Sequence[str]], limit: int) -> list[int]:
    """Rowids of the newest titles holding one of `phrases` (each two words or more), newest first. An
    AND of pairs, so a title holding every pair apart also counts: a candidate, read again by the caller."""
    # Re-read as words: only letters and digits (and the joining "_") can reach MATCH.
    spelled = [_WORDS.findall(" ".join(words).lower()) for words in phrases]
    alternatives = ["(" + " AND ".join(f'"{p}"' for p in pairs_of(w)) + ")" for w in spelled if len(w) > 1]
    if not alternatives:
        return []
    rows = db.execute(
        "SELECT rowid FROM title_pairs WHERE title_pairs MATCH ? ORDER BY rowid DESC LIMIT ?",
        [" OR ".join(alternatives), limit],
    ).fetchall()
    return [int(r[0]) for r in rows]
