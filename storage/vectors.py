"""Meaning vectors of papers (the optional semantic search), one per paper and model.

A vector is stored as the bytes of a float32 array; the model's name is stored beside it, so vectors of
another model are never compared with a query embedded by this one (they are simply missing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlite_utils

# A paper whose title or abstract changes loses its vector, so it is embedded again from the new text.
CREATE = """
CREATE TABLE paper_vectors (
    pk INTEGER PRIMARY KEY REFERENCES papers(pk),
    model TEXT NOT NULL,
    vec BLOB NOT NULL
);
CREATE TRIGGER papers_rewritten AFTER UPDATE OF title, summary ON papers
WHEN old.title IS NOT new.title OR old.summary IS NOT new.summary
BEGIN
    DELETE FROM paper_vectors WHERE pk = old.pk;
END;
"""


def missing(db: sqlite_utils.Database, model: str, limit: int) -> list[tuple[int, str, str]]:
    """(pk, title, abstract) of up to `limit` papers without a vector of `model`, stored most recently first."""
    rows = db.execute(
        "SELECT p.pk, p.title, coalesce(p.summary, '') FROM papers p "
        "LEFT JOIN paper_vectors v ON v.pk = p.pk AND v.model = ? "
        "WHERE v.pk IS NULL ORDER BY p.pk DESC LIMIT ?",
        [model, limit],
    ).fetchall()
    return [(int(r[0]), r[1], r[2]) for r in rows]


def save(db: sqlite_utils.Database, model: str, rows: Iterable[tuple[int, bytes]]) -> None:
    with db.conn:
        db.conn.executemany(
            "INSERT INTO paper_vectors(pk, model, vec) SELECT ?, ?, ? WHERE EXISTS "
            "(SELECT 1 FROM papers WHERE pk = ?) "
            "ON CONFLICT(pk) DO UPDATE SET model = excluded.model, vec = excluded.vec",
            [(pk, model, vec, pk) for pk, vec in rows],
        )


def of(db: sqlite_utils.Database, model: str, pks: Sequence[int]) -> dict[int, bytes]:
    found: dict[int, bytes] = {}
    for start in range(0, len(pks), 900):  # SQLite's bound-parameter limit
        chunk = list(pks[start : start + 900])
        marks = ",".join("?" for _ in chunk)
        rows = db.execute(
            f"SELECT pk, vec FROM paper_vectors WHERE model = ? AND pk IN ({marks})", [model, *chunk]
        ).fetchall()
        found.update({int(r[0]): bytes(r[1]) for r in rows})
    return found


def newest(db: sqlite_utils.Database, model: str, limit: int) -> dict[int, bytes]:
    """The vectors of the `limit` papers stored most recently that have one."""
    rows = db.execute(
        "SELECT pk, vec FROM paper_vectors WHERE model = ? ORDER BY pk DESC LIMIT ?", [model, limit]
    ).fetchall()
    return {int(r[0]): bytes(r[1]) for r in rows}


def counts(db: sqlite_utils.Database, model: str) -> tuple[int, int]:
    """(papers with a vector of `model`, papers)."""
    row = db.execute(
        "SELECT (SELECT count(*) FROM paper_vectors WHERE model = ?), (SELECT count(*) FROM papers)",
        [model],
    ).fetchone()
    return int(row[0]), int(row[1])
