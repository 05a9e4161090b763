"""Import files: an HF daily_papers JSON array, or JSONL with one paper per line.

A bad file is rejected whole with one line saying where, so an import never half-happens.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperbot.bot.models import ListedPaper, Paper
from paperbot.bot.sources.hf import BadResponse, SourceError, listed_day, parse_item, strip_version

_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
MAX_FIELD = 20_000


class FileImportError(SourceError):
    """The file cannot be imported; nothing was written."""


@dataclass
class ImportBatch:
    papers: list[Paper] = field(default_factory=list)
    listed: list[ListedPaper] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def days(self) -> list[str]:
        return sorted({lp.day for lp in self.listed})


def _jsonl_paper(obj: Any, where: str) -> Paper:
    if not isinstance(obj, dict):
        raise FileImportError(f"{where}: expected an object with id, title, summary")
    missing = [k for k in ("id", "title", "summary") if not isinstance(obj.get(k), str) or not obj[k].strip()]
    if missing:
        raise FileImportError(f"{where}: missing or empty {', '.join(missing)}")
    authors = obj.get("authors") or []
    if isinstance(authors, str):
        authors = [a.strip() for a in authors.split(",")]
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        raise FileImportError(f"{where}: authors must be a list of names or a comma-separated string")
    upvotes = obj.get("upvotes")
    if upvotes is not None and (not isinstance(upvotes, int) or isinstance(upvotes, bool) or upvotes < 0):
        raise FileImportError(f"{where}: upvotes must be a non-negative integer")
    published = obj.get("published_at") or obj.get("published")
    if published is not None and not (
        isinstance(published, str) and re.match(r"^\d{4}-\d{2}-\d{2}", published)
    ):
        raise FileImportError(f"{where}: published_at must be an ISO date (YYYY-MM-DD)")
    return Paper(
        id=strip_version(obj["id"])[:64],
        title=" ".join(obj["title"].split())[:1000],
        summary=obj["summary"].strip()[:MAX_FIELD],
        authors=tuple(a for a in authors if a)[:200],
        published_at=published[:10] if published else None,
        upvotes=upvotes,
        source="file",
    )


def _iter_jsonl(text: str, name: str) -> Iterator[Paper]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FileImportError(f"{name} line {number}: not valid JSON ({exc.msg})") from None
        yield _jsonl_paper(obj, f"{name} line {number}")


def _from_array(items: list[Any], name: str, day: str | None) -> ImportBatch:
    batch = ImportBatch()
    if items and isinstance(items[0], dict) and "paper" not in items[0]:
        batch.papers = [_jsonl_paper(obj, f"{name} item {i}") for i, obj in enumerate(items, 1)]
        return batch
    guess = _DATE_IN_NAME.search(name)
    ranks: dict[str, int] = {}
    for number, item in enumerate(items, 1):
        try:
            paper = parse_item(item)
        except BadResponse as exc:
            raise FileImportError(f"{name} item {number}: {exc}") from None
        batch.papers.append(paper)
        item_day = day or listed_day(item) or (guess.group(1) if guess else None)
        if item_day is None:
            continue
        ranks[item_day] = ranks.get(item_day, 0) + 1
        batch.listed.append(ListedPaper(paper=paper, day=item_day, rank=ranks[item_day]))
    if batch.papers and not batch.listed:
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
        return _from_array(data, name, day)
    if stripped.startswith("{"):
        batch = ImportBatch(papers=list(_iter_jsonl(text, name)))
        if day:  # JSONL has no list order of its own: rank the day by upvotes
            by_votes = sorted(batch.papers, key=lambda p: -(p.upvotes or 0))
            batch.listed = [ListedPaper(p, day, rank) for rank, p in enumerate(by_votes, 1)]
        return batch
    raise FileImportError(f"{name}: expected a JSON array (HF daily_papers) or JSONL (one paper per line)")
