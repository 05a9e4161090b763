"""Import files: an HF daily_papers JSON array, or JSONL with one paper per line.

Decided per record: a bad record (a line that is not JSON, a missing title, a summary that is a number) is
skipped and counted, and the report names where. A file is rejected whole, with one line saying why and
nothing written, only when it is not JSON/JSONL at all or holds no usable record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperbot.bot.models import ListedPaper, Paper
from paperbot.bot.sources import records
from paperbot.bot.sources.hf import BadResponse, SourceError, listed_day, parse_item

_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
MAX_FIELD = records.SUMMARY_MAX
SHOWN_REASONS = 3  # a report names the first few skipped records, then counts the rest


class FileImportError(SourceError):
    """The file cannot be imported; nothing was written."""


@dataclass
class ImportBatch:
    papers: list[Paper] = field(default_factory=list)
    listed: list[ListedPaper] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "line 3: title is empty", one per bad record

    @property
    def days(self) -> list[str]:
        return sorted({lp.day for lp in self.listed})

    def skipped_line(self, name: str) -> str | None:
        """One line for the user: how many records were skipped and where the first ones are."""
        if not self.skipped:
            return None
        shown = "; ".join(self.skipped[:SHOWN_REASONS])
        more = f"; and {len(self.skipped) - SHOWN_REASONS} more" if len(self.skipped) > SHOWN_REASONS else ""
        return f"{name}: skipped {len(self.skipped)} bad records ({shown}{more})"


def _jsonl_paper(obj: Any) -> Paper:
    if not isinstance(obj, dict):
        raise records.RecordError(f"expected an object with id, title, summary, not {type(obj).__name__}")
    missing = [k for k in ("id", "title", "summary") if k not in obj or obj[k] is None]
    if missing:
        raise records.RecordError(f"missing {', '.join(missing)}")
    data = {**obj, "published_at": obj.get("published_at", obj.get("published")), "source": "file"}
    return records.validate(records.PaperRecord, data)


def _from_jsonl(text: str) -> ImportBatch:
    batch = ImportBatch()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            batch.papers.append(_jsonl_paper(json.loads(line)))
        except json.JSONDecodeError as exc:
            batch.skipped.append(f"line {number}: not valid JSON ({exc.msg})")
        except records.RecordError as exc:
            batch.skipped.append(f"line {number}: {exc}")
    return batch


def _from_array(items: list[Any], name: str, day: str | None) -> ImportBatch:
    batch = ImportBatch()
    guess = _DATE_IN_NAME.search(name)
    ranks: dict[str, int] = {}
    for number, item in enumerate(items, 1):
        try:
            if isinstance(item, dict) and "paper" not in item:  # a JSON array of JSONL-shaped papers
                batch.papers.append(_jsonl_paper(item))
                continue
            paper = parse_item(item)
        except (BadResponse, records.RecordError) as exc:
            batch.skipped.append(f"item {number}: {exc}")
            continue
        batch.papers.append(paper)
        item_day = day or listed_day(item) or (guess.group(1) if guess else None)
        if item_day is None:
            continue
        ranks[item_day] = ranks.get(item_day, 0) + 1
        batch.listed.append(ListedPaper(paper=paper, day=item_day, rank=ranks[item_day]))
    if batch.listed and len(batch.listed) < len(batch.papers):
        batch.warnings.append(f"{name}: {len(batch.papers) - len(batch.listed)} papers have no listing date")
    elif batch.papers and not batch.listed and any("paper" in i for i in items if isinstance(i, dict)):
        batch.warnings.append(
            f"{name}: no listing date in the file or its name; pass --date to add it to a day"
        )
    return batch


def check_readable(paths: Iterable[Path]) -> None:
    """Fail before anything is written when a file is plainly missing (its content is checked as read)."""
    for path in paths:
        if not path.is_file():
            raise FileImportError(f"{path}: no such file")


def load_file(path: str | Path, day: str | None = None) -> ImportBatch:
    """Read one file into papers (and daily-list entries for HF arrays). Raises FileImportError."""
    target = Path(path)
    name = target.name
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileImportError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FileImportError(f"{path}: cannot read it as UTF-8 text ({type(exc).__name__})") from None
    stripped = text.lstrip()
    if not stripped:
        raise FileImportError(f"{name}: the file is empty")
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FileImportError(f"{name}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        if not isinstance(data, list):
            raise FileImportError(f"{name}: expected a JSON array of papers")
        return _usable(_from_array(data, name, day), name)
    if stripped.startswith("{"):
        batch = _usable(_from_jsonl(text), name)
        if day:  # JSONL has no list order of its own: rank the day by upvotes
            by_votes = sorted(batch.papers, key=lambda p: -(p.upvotes or 0))
            batch.listed = [ListedPaper(p, day, rank) for rank, p in enumerate(by_votes, 1)]
        return batch
    raise FileImportError(f"{name}: expected a JSON array (HF daily_papers) or JSONL (one paper per line)")


def _usable(batch: ImportBatch, name: str) -> ImportBatch:
    """A file with bad records still imports its good ones; a file with none is rejected whole."""
    if not batch.papers and batch.skipped:
        first = batch.skipped[0]
        more = f" (and {len(batch.skipped) - 1} more bad records)" if len(batch.skipped) > 1 else ""
        raise FileImportError(f"{name} {first}{more}; no usable paper in the file")
    return batch
