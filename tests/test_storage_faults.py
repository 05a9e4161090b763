"""One line, naming the file and the fix, for every storage fault; nothing written into a file that fails
its integrity check; the database file private (0600); `fetch --since` bounded."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import paperbot.bot.factories
import paperbot.storage.db
from paperbot.bot.cli import app
from tests.conftest import bot_env, seed
from tests.factories import day_items

DAY = "2026-06-10"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def one_line_error(err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return bot_env(monkeypatch, tmp_path)


def day_file(tmp_path: Path, count: int = 12) -> Path:
    path = tmp_path / f"{DAY}.json"
    path.write_text(json.dumps(day_items(DAY, count)))
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seeded(db: Path, count: int = 300) -> None:
    seed(db, day_items(DAY, count))
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file, as after a clean stop
    conn.close()


def test_truncated_database_is_one_line_and_untouched(env: Path, tmp_path: Path) -> None:
    seeded(env)
    size = env.stat().st_size
    with env.open("r+b") as handle:
        handle.truncate(size // 2)
    before = digest(env)
    code, _, err = cli("import", str(day_file(tmp_path)))
    assert code == 2
    one_line_error(err, str(env), "restore a backup")
    assert digest(env) == before  # nothing was written into the damaged file


def test_corrupt_pages_fail_the_integrity_check_before_any_write(env: Path, tmp_path: Path) -> None:
    seeded(env)
    with env.open("r+b") as handle:  # scribble over the b-tree pages past the schema
        handle.seek(4096 * 3)
        handle.write(os.urandom(4096 * 4))
    before = digest(env)
    code, _, err = cli("import", str(day_file(tmp_path)))
    assert code == 2
    one_line_error(err, str(env), "restore a backup")
    assert digest(env) == before


@pytest.mark.parametrize("kind", ["directory", "text file"])
def test_not_a_database_file(env: Path, kind: str) -> None:
    if kind == "directory":
        env.mkdir()
        needle = "is a directory"
    else:
        env.write_text("hello, I am notes.txt\n" * 100)
        needle = "not a paperbot database"
    code, _, err = cli("status")
    assert code == 2
    one_line_error(err, str(env), needle)


def test_schema_from_a_newer_paperbot(env: Path) -> None:
    seeded(env, 5)
    conn = sqlite3.connect(env)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    code, _, err = cli("search", "moe")
    assert code == 2
    one_line_error(err, str(env), "schema v99 is newer", "upgrade paperbot")


def test_unwritable_place(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bot_env(monkeypatch, tmp_path)
    monkeypatch.setenv("PAPERBOT_DB", "/proc/paperbot.db")  # procfs: nobody, root included, creates files
    code, _, err = cli("status")
    assert code == 2
    one_line_error(err, "/proc/paperbot.db", "writable")


def test_disk_full_is_one_line(env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = paperbot.bot.factories.open_db

    def tiny_disk(path: Any, **options: Any) -> Any:
        db = real_open(path, **options)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages + 4}")  # SQLITE_FULL after a few pages
        return db

    monkeypatch.setattr(paperbot.bot.factories, "open_db", tiny_disk)
    code, _, err = cli("import", str(day_file(tmp_path, 400)))
    assert code == 2
    one_line_error(err, str(env), "disk is full")


def test_lock_held_past_the_timeout(env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeded(env, 5)
    monkeypatch.setattr(paperbot.storage.db, "BUSY_TIMEOUT", 0.5)
    holder = sqlite3.connect(env, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        code, _, err = cli("import", str(day_file(tmp_path)))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 2
    one_line_error(err, str(env), "is locked by another process")


def test_database_files_are_private(env: Path, tmp_path: Path) -> None:
    code, _, err = cli("import", str(day_file(tmp_path)))
    assert code == 0, err
    reader = sqlite3.connect(env)  # an open WAL database has its -wal and -shm beside it
    assert reader.execute("SELECT count(*) FROM papers").fetchone()[0] == 12
    files = [p for p in tmp_path.iterdir() if p.name.startswith(env.name)]
    assert {p.name for p in files} == {env.name, f"{env.name}-wal", f"{env.name}-shm"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    reader.close()
    os.chmod(env, 0o644)  # a file an older paperbot created world-readable
    assert cli("status")[0] == 0
    assert stat.S_IMODE(env.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--since", "1970-01-01"], "on or after 2023-05-01"),
        (["--since", "2023-05-01", "--until", "2025-01-01"], "at most 366"),
        (["--until", "2025-01-01"], "goes with --since"),
    ],
)
def test_fetch_since_is_bounded(env: Path, args: list[str], needle: str) -> None:
    code, _, err = cli("fetch", *args)
    assert code == 2
    one_line_error(err, needle)


def test_an_error_mentioning_full_is_not_called_a_full_disk() -> None:
    said = str(
        paperbot.storage.db.explain(
            sqlite3.OperationalError("phrase queries are not supported (detail!=full)"), "x.db"
        )
    )
    assert "disk is full" not in said and "detail!=full" in said
    assert "disk is full" in str(
        paperbot.storage.db.explain(sqlite3.OperationalError("database or disk is full"), "x.db")
    )
