"""`paperbot import` of many files streams: each file is stored before the next is read (or at most a
few are read ahead by a helper process), one transaction covers the whole command, and the helper's
results are the same as reading in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from paperbot.bot import file_reader
from paperbot.bot.file_reader import PreparedFile, read_files
from paperbot.bot.ingest import import_batch, import_files
from paperbot.bot.sources.files import FileImportError, load_file
from paperbot.storage import papers as paper_store
from paperbot.storage.db import open_db
from tests.factories import day_items, hf_item
from tests.test_storage_import import dump


def day_files(tmp_path: Path, days: int, per_day: int = 5) -> list[Path]:
    paths = []
    for k in range(days):
        day = f"2026-06-{10 + k:02d}"
        items = day_items(day, per_day, seed=k, start=1 + k * per_day)
        items.append(
            hf_item(
                f"2606.{900 + k:05d}",
                f"Paper {k}",
                f"We use Sparse Fancy Routing (SFR) in setting {k}.",
                day=day,
            )
        )
        path = tmp_path / f"{day}.json"
        path.write_text(json.dumps(items))
        paths.append(path)
    return paths


def test_each_file_is_stored_before_the_next_is_read(fresh_db: sqlite_utils.Database, tmp_path: Path) -> None:
    paths = day_files(tmp_path, 4)
    stored_when_read: list[int] = []

    def watched() -> Iterator[PreparedFile]:
        for prepared in read_files(paths, ahead=0):
            stored_when_read.append(paper_store.paper_count(fresh_db))
            yield prepared

    assert import_files(fresh_db, watched()) == 24
    assert stored_when_read == [0, 6, 12, 18]  # one file in hand at a time, never the whole input
    assert len(paper_store.listed_days(fresh_db)) == 4


def test_the_reader_is_lazy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = day_files(tmp_path, 5)
    read: list[str] = []
    real = file_reader.load_file

    def counting(path: Path, day: str | None = None) -> object:
        read.append(path.name)
        return real(path, day)

    monkeypatch.setattr(file_reader, "load_file", counting)
    files = read_files(paths, ahead=0)
    assert read == []
    next(files)
    assert read == ["2026-06-10.json"]


def test_read_ahead_in_a_helper_process_gives_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_reader, "PARALLEL_FROM_BYTES", 0)
    paths = day_files(tmp_path, 4)
    ahead = list(read_files(paths, ahead=2))
    inline = list(read_files(paths, ahead=0))
    assert [p.path for p in ahead] == paths
    assert [(p.batch, p.defined) for p in ahead] == [(p.batch, p.defined) for p in inline]
    assert ahead[0].defined["2606.00900"] == [("sfr", "sparse fancy routing")]
    assert ahead[0].defined["2606.00001"] == [("moe", "mixture of expert")]


def test_streamed_import_equals_file_by_file_and_is_idempotent(tmp_path: Path) -> None:
    paths = day_files(tmp_path, 3)
    one_by_one = open_db(memory=True)
    for path in paths:
        import_batch(one_by_one, load_file(path))
    streamed = open_db(memory=True)
    import_files(streamed, read_files(paths, ahead=0))
    first = dump(streamed)
    assert dump(streamed, with_added_at=False) == dump(one_by_one, with_added_at=False)
    assert ("sfr", "sparse fancy routing", 3) in first["aliases"]
    import_files(streamed, read_files(paths, ahead=0))
    assert dump(streamed) == first  # re-import: counts of mined acronyms do not grow either


@pytest.mark.parametrize("helper", [False, True])
def test_a_bad_file_midway_rolls_back_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helper: bool
) -> None:
    monkeypatch.setattr(file_reader, "PARALLEL_FROM_BYTES", 0)
    paths = day_files(tmp_path, 4)
    paths[2].write_text('[{"paper": {"id": "not an id"}}]')
    db = open_db(tmp_path / "bot.db")
    stored: list[str] = []
    with pytest.raises(FileImportError, match=r"2026-06-12\.json item 1"):
        import_files(db, read_files(paths, ahead=2 if helper else 0), lambda p, _: stored.append(p.path.name))
    assert stored == ["2026-06-10.json", "2026-06-11.json"]  # they were written, then rolled back
    db.close()
    again = open_db(tmp_path / "bot.db")
    assert paper_store.paper_count(again) == 0
    assert paper_store.listed_days(again) == []
    assert again.execute("SELECT count(*) FROM papers_fts").fetchone()[0] == 0
    assert again.execute("SELECT count(*) FROM aliases WHERE short = 'sfr'").fetchone()[0] == 0
