"""The FTS5 look-ups search and topic evidence are built from: ranked and unranked matches within a
rowid range, the newest matches, counts, the title dictionary, and the text and signals of candidates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlite_utils

from paperbot.storage.papers import BM25_WEIGHTS

Range = tuple[int | None, int | None]  # an inclusive rowid range; None leaves that side open
EVERYTHING: tuple[Range, ...] = ((None, None),)


def _in_range(lo: int | None, hi: int | None) -> tuple[str, list[object]]:
    # FTS5 narrows each doclist to a rowid range cheaply; "rowid IN (...)" it would not.
    sql, params = "", list[object]()
    if lo is not None:
        sql += " AND rowid >= ?"
        params.append(lo)
    if hi is not None:
        sql += " AND rowid <= ?"
        params.append(hi)
    return sql, params


def fts_ranked(
    db: sqlite_utils.Database,
    expression: str,
    limit: int | None,
    ranges: Sequence[Range] = EVERYTHING,
    weights: Sequence[float] = BM25_WEIGHTS,
) -> list[tuple[int, float]]:
    """(pk, bm25) best first (bm25 negated, so larger is better), over the given rowid ranges."""
    weights_sql = ", ".join(str(float(w)) for w in weights)
    found: list[tuple[int, float]] = []
    for lo, hi in ranges:
        where, params = _in_range(lo, hi)
        sql = (
            f"SELECT rowid, -bm25(papers_fts, {weights_sql}) FROM papers_fts WHERE papers_fts MATCH ?{where} "
            f"ORDER BY bm25(papers_fts, {weights_sql})"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        found.extend((int(r[0]), float(r[1])) for r in db.execute(sql, [expression, *params]).fetchall())
    found.sort(key=lambda row: -row[1])
    return found if limit is None else found[:limit]


def fts_ids(
    db: sqlite_utils.Database,
    expression: str,
    ranges: Sequence[Range] = EVERYTHING,
    newest: int | None = None,
) -> list[int]:
    """Rowids matching `expression` in the ranges, newest first; `newest` stops after that many (cheap)."""
    found: list[int] = []
    for lo, hi in ranges:
        where, params = _in_range(lo, hi)
        sql = f"SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?{where} ORDER BY rowid DESC"
        if newest is not None:
            sql += f" LIMIT {int(newest)}"
        found.extend(int(r[0]) for r in db.execute(sql, [expression, *params]).fetchall())
    return found


SAMPLE = 2_000  # the newest papers a document frequency is estimated from


def doc_shares(db: sqlite_utils.Database, expressions: Mapping[str, str]) -> tuple[dict[str, float], int]:
    """key -> the share of documents matching its expression, estimated over the newest SAMPLE papers
    (bounded work whatever the archive's size; exact below it); and the number of papers."""
    top = int(db.execute("SELECT coalesce(max(pk), 0) FROM papers").fetchone()[0])
    floor = max(top - SAMPLE, 0)
    sampled = max(top - floor, 1)  # papers are never deleted: pks run 1..top
    shares = {}
    for key, expression in expressions.items():
        row = db.execute(
            "SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ? AND rowid > ?", [expression, floor]
        ).fetchone()
        shares[key] = int(row[0]) / sampled
    return shares, top


def title_newest(db: sqlite_utils.Database, expression: str, limit: int) -> list[int]:
    """Rowids whose title matches `expression` in the slim unstemmed title index (words_fts), newest first:
    titles are short, so this walk stays cheap where the full index's is not."""
    rows = db.execute(
        "SELECT rowid FROM words_fts WHERE words_fts MATCH ? ORDER BY rowid DESC LIMIT ?", [expression, limit]
    ).fetchall()
    return [int(r[0]) for r in rows]


def fts_has(db: sqlite_utils.Database, expression: str) -> bool:
    return (
        db.execute("SELECT 1 FROM papers_fts WHERE papers_fts MATCH ? LIMIT 1", [expression]).fetchone()
        is not None
    )


def title_words(db: sqlite_utils.Database, prefix: str, limit: int = 20000) -> list[tuple[str, int]]:
    """Unstemmed words of titles and keywords starting with `prefix`, with their document counts."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    rows = db.execute(
        "SELECT term, doc FROM words_vocab WHERE term >= ? AND term < ? LIMIT ?", [prefix, upper, limit]
    ).fetchall()
    return [(r[0], int(r[1])) for r in rows]


def newest_published(db: sqlite_utils.Database) -> str | None:
    """The latest real publication day. Walks the index down from the top, past any impossible date an
    older paperbot stored (SQLite's date() is NULL for '2026-13-45' and moves '2026-02-30' to March)."""
    row = db.execute(
        "SELECT published_at FROM papers WHERE published_at IS NOT NULL "
        "AND date(substr(published_at, 1, 10)) IS substr(published_at, 1, 10) "
        "ORDER BY published_at DESC LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def paper_signals(
    db: sqlite_utils.Database, pks: Sequence[int]
) -> dict[int, tuple[int, int, int, str | None]]:
    """pk -> (upvotes, comments, stars, published_at), the cheap columns ranking needs for every candidate."""
    if not pks:
        return {}
    marks = ",".join("?" for _ in pks)
    rows = db.execute(
        "SELECT pk, coalesce(upvotes, 0), coalesce(comments, 0), coalesce(stars, 0), published_at "
        f"FROM papers WHERE pk IN ({marks})",
        list(pks),
    ).fetchall()
    return {int(r[0]): (int(r[1]), int(r[2]), int(r[3]), r[4]) for r in rows}


def titles(db: sqlite_utils.Database, pks: Sequence[int]) -> dict[int, str]:
    if not pks:
        return {}
    marks = ",".join("?" for _ in pks)
    rows = db.execute(f"SELECT pk, title FROM papers WHERE pk IN ({marks})", list(pks)).fetchall()
    return {int(r[0]): r[1] for r in rows}


def titles_and_keywords(db: sqlite_utils.Database, pks: Sequence[int]) -> list[str]:
    if not pks:
        return []
    marks = ",".join("?" for _ in pks)
    rows = db.execute(
        f"SELECT title || ' ' || coalesce(keywords_text, '') FROM papers WHERE pk IN ({marks})", list(pks)
    ).fetchall()
    return [r[0] for r in rows]


def fts_count(db: sqlite_utils.Database, expression: str, cap: int, newest: int | None = None) -> int:
    """Documents matching `expression`, counting no further than `cap` (cheap for common words), among
    the newest `newest` papers when given (bounded for phrases of common words that are rare)."""
    floor = 0
    if newest is not None:
        top = int(db.execute("SELECT coalesce(max(pk), 0) FROM papers").fetchone()[0])
        floor = max(top - newest, 0)
    row = db.execute(
        "SELECT count(*) FROM (SELECT 1 FROM papers_fts WHERE papers_fts MATCH ? AND rowid > ? LIMIT ?)",
        [expression, floor, cap],
    ).fetchone()
    return int(row[0])


def evidence_texts(db: sqlite_utils.Database, pks: Sequence[int]) -> dict[int, tuple[str, str, str]]:
    """pk -> (title, keywords, abstract): the text topic evidence is read from, for a few hundred papers."""
    found: dict[int, tuple[str, str, str]] = {}
    for start in range(0, len(pks), 900):  # SQLite's bound-parameter limit
        chunk = list(pks[start : start + 900])
        marks = ",".join("?" for _ in chunk)
        rows = db.execute(
            "SELECT pk, title, coalesce(keywords_text, ''), coalesce(summary, '') "
            f"FROM papers WHERE pk IN ({marks})",
            chunk,
        ).fetchall()
        found.update({int(r[0]): (r[1], r[2], r[3]) for r in rows})
    return found
