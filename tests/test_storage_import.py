from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from paperbot.bot.ingest import import_batch
from paperbot.bot.sources.files import load_file
from paperbot.storage import papers as paper_store
from paperbot.storage import search_index
from paperbot.storage.db import SCHEMA_VERSION, SchemaTooNew, open_db, schema_version
from tests.conftest import shared_data
from tests.factories import day_items


def dump(db: sqlite_utils.Database, *, with_added_at: bool = True) -> dict[str, list[tuple[object, ...]]]:
    """Stored rows without the clocks a refresh moves; `added_at` (when a paper was first stored) stays
    unless two different databases are compared (they were filled at different seconds)."""
    tables = ["papers", "daily", "aliases"]
    volatile = {"updated_at", "fetched_at"} | (set() if with_added_at else {"added_at"})
    out = {}
    for table in tables:
        cols = [c.name for c in db[table].columns if c.name not in volatile]
        out[table] = db.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY 1, 2").fetchall()
    out["fts"] = db.execute("SELECT rowid, title FROM papers_fts ORDER BY rowid").fetchall()
    return out


def write_day(tmp_path: Path, items: list[dict[str, object]], name: str = "day.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(items))
    return path


def test_importing_twice_changes_nothing(fresh_db: sqlite_utils.Database, tmp_path: Path) -> None:
    path = write_day(tmp_path, day_items("2026-06-10", 12))
    import_batch(fresh_db, load_file(path))
    first = dump(fresh_db)
    import_batch(fresh_db, load_file(path))
    assert dump(fresh_db) == first
    assert paper_store.paper_count(fresh_db) == 12


def test_reimport_refreshes_counters_only(fresh_db: sqlite_utils.Database, tmp_path: Path) -> None:
    items = day_items("2026-06-10", 3)
    import_batch(fresh_db, load_file(write_day(tmp_path, items)))
    pk_before = fresh_db.execute("SELECT id, pk FROM papers ORDER BY id").fetchall()
    items[0]["paper"]["upvotes"] = 999  # type: ignore[index]
    import_batch(fresh_db, load_file(write_day(tmp_path, items)))
    top = paper_store.get_paper(fresh_db, items[0]["paper"]["id"])  # type: ignore[index]
    assert top is not None and top.upvotes == 999
    assert fresh_db.execute("SELECT id, pk FROM papers ORDER BY id").fetchall() == pk_before
    # the index follows the rows (one FTS row per paper, still searchable)
    assert fresh_db.execute("SELECT count(*) FROM papers_fts").fetchone()[0] == 3


def test_a_sparse_source_never_erases_richer_fields(fresh_db: sqlite_utils.Database, tmp_path: Path) -> None:
    items = day_items("2026-06-10", 1)
    items[0]["paper"]["ai_summary"] = "One line."  # type: ignore[index]
    import_batch(fresh_db, load_file(write_day(tmp_path, items)))
    pid = items[0]["paper"]["id"]  # type: ignore[index]
    jsonl = tmp_path / "x.jsonl"
    jsonl.write_text(json.dumps({"id": pid, "title": "New title", "summary": "New abstract"}))
    import_batch(fresh_db, load_file(jsonl))
    paper = paper_store.get_paper(fresh_db, pid)
    assert paper is not None
    assert paper.title == "New title" and paper.ai_summary == "One line."
    assert search_index.fts_has(fresh_db, '"new abstract"')


def test_every_recorded_day_imports(fresh_db: sqlite_utils.Database) -> None:
    data = shared_data() / "hf_daily_papers"
    for path in sorted(data.glob("*.json")):
        import_batch(fresh_db, load_file(path))
    assert len(paper_store.listed_days(fresh_db, limit=100)) == 21
    assert paper_store.paper_count(fresh_db) >= 600
    assert len(paper_store.daily_list(fresh_db, "2026-06-10")) == 35


def test_file_database_uses_wal_and_a_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    db = open_db(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert int(db.execute("PRAGMA busy_timeout").fetchone()[0]) >= 5000
    assert schema_version(db) == SCHEMA_VERSION
    db.close()
    reopened = open_db(path)  # migrating an up-to-date file is a no-op
    assert schema_version(reopened) == SCHEMA_VERSION
    reopened.close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="upgrade paperbot"):
        open_db(path)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        open_db(tmp_path / "nope" / "p.db")
