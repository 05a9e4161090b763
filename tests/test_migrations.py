"""Migrations are all or nothing, and one process migrates an old file while others wait."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from paperbot.bot.ingest import store_papers
from paperbot.bot.models import Paper
from paperbot.storage import title_pairs
from paperbot.storage.db import open_db, schema_version
from paperbot.storage.schema import MIGRATIONS, SCHEMA_VERSION, _title_pairs


def _old_file(path: Path, papers: int = 50) -> None:
    """A database as schema version 7 left it: papers, and no title-pairs index yet."""
    db = open_db(path)
    store_papers(db, [Paper(f"2601.{n:05d}", f"Reward Model Study {n}", "Abstract.") for n in range(papers)])
    db.execute("DROP TRIGGER papers_retitled")
    db.execute("DROP TABLE retitled")
    db.execute("DROP TABLE title_pairs")
    db.execute("DROP TRIGGER papers_rewritten")  # these two come from a later migration
    db.execute("DROP TABLE paper_vectors")
    db.execute(f"PRAGMA user_version = {MIGRATIONS.index(_title_pairs)}")
    db.conn.commit()
    db.close()


def test_a_migration_cut_short_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    _old_file(path)

    def killed(db: object) -> None:
        raise KeyboardInterrupt  # as if the process stopped while filling the new index

    monkeypatch.setattr(title_pairs, "fill", killed)
    with pytest.raises(KeyboardInterrupt):
        open_db(path)
    monkeypatch.undo()
    db = open_db(path)  # the next start migrates from the same version, as if nothing had happened
    assert schema_version(db) == SCHEMA_VERSION
    assert title_pairs.newest(db, [("reward", "model")], 100) == list(range(50, 0, -1))


def test_two_processes_opening_an_old_file_at_once_both_succeed(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_file(path, papers=40_000)  # enough titles that filling the new index takes a while
    code = "import sys; from paperbot.storage.db import open_db; open_db(sys.argv[1]); print('ok')"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err.decode()[-300:] for _, err in results]
    assert schema_version(open_db(path)) == SCHEMA_VERSION
