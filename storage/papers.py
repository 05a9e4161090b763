"""Papers, each day's Hugging Face list, and when each day was fetched (FTS5 look-ups: search_index)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from paperbot.bot.models import ListedPaper, Paper
from paperbot.storage import title_pairs
from paperbot.storage.db import transaction

# Column weights for bm25(): title, abstract, AI keywords, authors.
BM25_WEIGHTS = (4.0, 1.0, 2.0, 1.0)
_COUNTERS = ("upvotes", "comments", "stars")
_TEXT = (
    "title",
    "summary",
    "authors",
    "authors_text",
    "published_at",
    "github_repo",
    "project_page",
    "ai_summary",
    "ai_keywords",
    "keywords_text",
    "organization",
    "source",
    "thumbnail",
)
_COLUMNS = ("id", *_TEXT, *_COUNTERS)
# A field a source does not know (None) never erases what another source stored.
_UPSERT = (
    f"INSERT INTO papers ({', '.join(_COLUMNS)}, updated_at) "
    f"VALUES ({', '.join('?' for _ in _COLUMNS)}, ?) "
    "ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c} = COALESCE(excluded.{c}, papers.{c})" for c in (*_TEXT, *_COUNTERS))
    + ", updated_at = excluded.updated_at"
)


def now_iso() -> str:
    # Milliseconds: "the latest fetch" must be well defined even for fetches within one second.
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# One encoder: json.dumps with options builds a new one on every call (a third of a row's cost).
_json = json.JSONEncoder(ensure_ascii=False).encode


def _row(paper: Paper, stamp: str) -> tuple[object, ...]:
    # In _COLUMNS order, written out: this runs for every paper of an import, on the one writer.
    authors, keywords = paper.authors, paper.ai_keywords
    return (
        paper.id,
        paper.title,
        paper.summary,
        _json(list(authors)) if authors else None,
        ", ".join(authors) if authors else None,
        paper.published_at,
        paper.github_repo,
        paper.project_page,
        paper.ai_summary,
        _json(list(keywords)) if keywords else None,
        "; ".join(keywords) if keywords else None,
        paper.organization,
        paper.source,
        paper.thumbnail,
        paper.upvotes,
        paper.comments,
        paper.stars,
        stamp,
    )


def save_papers(db: sqlite_utils.Database, papers: Iterable[Paper]) -> set[str]:
    """Insert or refresh papers by arXiv id; idempotent. Returns the ids that were new.

    Updated rows are re-indexed by the papers_au trigger when their text changed; new rows (pk above the
    previous maximum) are indexed here, in the same transaction.
    """
    stamp = now_iso()
    # One row per id, the last one given: a second version of a paper in the same batch would otherwise
    # update a row whose index entries are written only after the batch (and corrupt them).
    rows = list({p.id: _row(p, stamp) for p in papers}.values())
    with transaction(db):
        before = db.execute("SELECT coalesce(max(pk), 0) FROM papers").fetchone()[0]
        db.conn.executemany(_UPSERT, rows)
        title_pairs.refresh_retitled(db)
        db.execute(
            "INSERT INTO papers_fts(rowid, title, summary, keywords_text, authors_text) "
            "SELECT pk, title, summary, keywords_text, authors_text FROM papers WHERE pk > ?",
            [before],
        )
        db.execute(
            "INSERT INTO words_fts(rowid, title, keywords_text) SELECT pk, title, keywords_text FROM papers WHERE pk > ?",
            [before],
        )
        title_pairs.add(db, db.execute("SELECT pk, title FROM papers WHERE pk > ?", [before]).fetchall())
        new = {r[0] for r in db.execute("SELECT id FROM papers WHERE pk > ?", [before]).fetchall()}
    return new


_FTS_TABLES = ("papers_fts", "words_fts", "title_pairs")


@contextmanager
def import_session(db: sqlite_utils.Database) -> Iterator[None]:
    """One transaction for a whole import, so an import never half-happens, loaded without incremental
    FTS5 merging (about 30% faster; FTS5's crisis merges still bound the segment count). Dirty pages
    beyond SQLite's page cache spill to the WAL, so memory does not grow with the import. Inside a
    transaction already open, it joins it."""
    if db.conn.in_transaction:
        yield
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        for table in _FTS_TABLES:
            db.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 0)")
        yield
        for table in _FTS_TABLES:
            db.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 4)")
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


def save_daily(db: sqlite_utils.Database, day: str, listed: Sequence[ListedPaper]) -> None:
    """Replace the stored list of `day` with this one (ranks and counters move during the day)."""
    stamp = now_iso()
    with transaction(db):
        db.execute("DELETE FROM daily WHERE day = ?", [day])
        db.conn.executemany(
            "INSERT OR REPLACE INTO daily (day, paper_id, rank, upvotes, comments, fetched_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (day, lp.paper.id, lp.rank, lp.paper.upvotes or 0, lp.paper.comments or 0, stamp)
                for lp in listed
            ],
        )


LAST_GOOD_FETCH = "last_good_fetch"


def record_fetch(db: sqlite_utils.Database, day: str, count: int, error: str | None = None) -> None:
    stamp = now_iso()
    with transaction(db):
        db.execute(
            "INSERT INTO fetches (day, fetched_at, count, error) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(day) DO UPDATE SET fetched_at = excluded.fetched_at, "
            "count = CASE WHEN excluded.error IS NULL THEN excluded.count ELSE fetches.count END, "
            "error = excluded.error",
            [day, stamp, count, error],
        )
        if error is None:
            # Kept apart from the per-day rows: a later failed re-fetch of the same day must not hide
            # when paperbot last heard from its source.
            good = json.dumps({"day": day, "fetched_at": stamp, "count": count})
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [LAST_GOOD_FETCH, good],
            )


def fetched_at(db: sqlite_utils.Database, day: str) -> datetime | None:
    """When `day` was last fetched successfully."""
    row = db.execute("SELECT fetched_at FROM fetches WHERE day = ? AND error IS NULL", [day]).fetchone()
    return datetime.fromisoformat(row[0].replace("Z", "+00:00")) if row else None


def last_fetch(db: sqlite_utils.Database) -> dict[str, Any] | None:
    """The newest successful fetch: day, fetched_at, count."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", [LAST_GOOD_FETCH]).fetchone()
    if row:
        return dict(json.loads(row[0]))
    # A database written before the meta entry existed: its newest successful per-day row.
    found = db.execute(
        "SELECT day, fetched_at, count FROM fetches WHERE error IS NULL ORDER BY fetched_at DESC LIMIT 1"
    ).fetchone()
    return dict(zip(("day", "fetched_at", "count"), found, strict=True)) if found else None


def last_failed_fetch(db: sqlite_utils.Database) -> dict[str, Any] | None:
    """The newest fetch that failed and has not been retried successfully since: day, fetched_at, error."""
    row = db.execute(
        "SELECT day, fetched_at, error FROM fetches WHERE error IS NOT NULL ORDER BY fetched_at DESC LIMIT 1"
    ).fetchone()
    return dict(zip(("day", "fetched_at", "error"), row, strict=True)) if row else None


def _paper(row: dict[str, Any]) -> Paper:
    return Paper(
        id=row["id"],
        title=row["title"],
        summary=row["summary"],
        authors=tuple(json.loads(row["authors"] or "[]")),
        published_at=row["published_at"],
        upvotes=row["upvotes"],
        comments=row["comments"],
        stars=row["stars"],
        github_repo=row["github_repo"],
        project_page=row["project_page"],
        ai_summary=row["ai_summary"],
        ai_keywords=tuple(json.loads(row["ai_keywords"] or "[]")),
        organization=row["organization"],
        source=row["source"],
        thumbnail=row.get("thumbnail"),
    )


def _dict_rows(db: sqlite_utils.Database, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
    cursor = db.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# Public names for the other storage modules that read whole paper rows (storage.follows).
paper_of = _paper
dict_rows = _dict_rows


def get_papers_by_pk(db: sqlite_utils.Database, pks: Sequence[int]) -> dict[int, Paper]:
    if not pks:
        return {}
    marks = ",".join("?" for _ in pks)
    rows = _dict_rows(db, f"SELECT * FROM papers WHERE pk IN ({marks})", pks)
    return {int(r["pk"]): _paper(r) for r in rows}


def get_paper(db: sqlite_utils.Database, paper_id: str) -> Paper | None:
    rows = _dict_rows(db, "SELECT * FROM papers WHERE id = ?", [paper_id])
    return _paper(rows[0]) if rows else None


def paper_count(db: sqlite_utils.Database) -> int:
    # Papers are never deleted, so the largest pk is the count, found in O(log n) rather than a scan.
    return int(db.execute("SELECT coalesce(max(pk), 0) FROM papers").fetchone()[0])


@dataclass(frozen=True)
class DailyEntry:
    pk: int
    paper_id: str
    rank: int
    upvotes: int  # the freshest count known (this list's or a later one's)
    comments: int
    day_upvotes: int = 0  # as of the last fetch of this day's list
    day_comments: int = 0


def daily_list(db: sqlite_utils.Database, day: str) -> list[DailyEntry]:
    rows = db.execute(
        "SELECT p.pk, d.paper_id, d.rank, max(d.upvotes, coalesce(p.upvotes, 0)), "
        "max(d.comments, coalesce(p.comments, 0)), d.upvotes, d.comments "
        "FROM daily d JOIN papers p ON p.id = d.paper_id WHERE d.day = ? ORDER BY d.rank",
        [day],
    ).fetchall()
    return [DailyEntry(*row) for row in rows]


def listed_days(db: sqlite_utils.Database, until: str | None = None, limit: int = 30) -> list[str]:
    sql = "SELECT DISTINCT day FROM daily"
    params: list[object] = []
    if until:
        sql += " WHERE day <= ?"
        params.append(until)
    sql += " ORDER BY day DESC LIMIT ?"
    params.append(limit)
    return [r[0] for r in db.execute(sql, params).fetchall()]
