"""What `paperbot doctor` asks of the database file: is it sound, and does the search index match it."""

from __future__ import annotations

import sqlite3

import sqlite_utils

from paperbot.storage import title_pairs

_INDEXES = ("papers_fts", "words_fts", "title_pairs")
BUSY_MS = 3000


def problems(db: sqlite_utils.Database) -> list[str]:
    """Every problem found, one line each; empty when the file and its search indexes are sound."""
    found = []
    rows = [str(r[0]) for r in db.execute("PRAGMA integrity_check").fetchall()]
    if rows != ["ok"]:
        found.append("SQLite integrity check: " + "; ".join(rows[:3]))
    db.execute(f"PRAGMA busy_timeout = {BUSY_MS}")  # the checks write: wait briefly, then say it is busy
    for table in _INDEXES:
        try:
            with db.conn:
                # rank 1: also compare the index with the papers table it indexes (FTS5's own check).
                db.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise  # another process is writing: not a fault of the index (the caller says so)
            found.append(f"search index {table} does not match the papers table")
        except sqlite3.DatabaseError:
            found.append(f"search index {table} does not match the papers table")
    # A contentless index cannot compare itself with the papers: count its rows, and the titles changed
    # since they were indexed (papers_retitled notes them; the next import re-indexes them).
    papers = int(db.execute("SELECT count(*) FROM papers").fetchone()[0])
    pairs = int(db.execute("SELECT count(*) FROM title_pairs").fetchone()[0])
    waiting = int(db.execute("SELECT count(*) FROM retitled").fetchone()[0])
    if pairs != papers or waiting:
        found.append(
            f"search index title_pairs holds {pairs:,} of {papers:,} titles, {waiting:,} changed since"
        )
    return found


def rebuild_search_index(db: sqlite_utils.Database) -> None:
    """Re-create the search indexes from the papers table (the contentless ones are emptied and refilled)."""
    with db.conn:
        db.execute("INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')")
        db.execute("INSERT INTO words_fts(words_fts) VALUES ('delete-all')")
        db.execute(
            "INSERT INTO words_fts(rowid, title, keywords_text) SELECT pk, title, keywords_text FROM papers"
        )
        db.execute("INSERT INTO title_pairs(title_pairs) VALUES ('delete-all')")
        db.execute("DELETE FROM retitled")
        title_pairs.fill(db)
