"""Store what the sources return: papers, each day's list, and the acronyms their abstracts define."""

from __future__ import annotations

import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlite_utils

from paperbot.bot import aliases
from paperbot.bot.file_reader import PreparedFile
from paperbot.bot.models import ListedPaper, Paper
from paperbot.bot.sources.files import ImportBatch
from paperbot.bot.sources.hf import HFClient, SourceError, Unreachable
from paperbot.storage import papers as paper_store
from paperbot.storage.worker import Lane

logger = logging.getLogger(__name__)

CHUNK = 25_000  # papers per save_papers call: bounds the rows built at once
BULK = 50_000  # from this many papers on, load in one import session (no incremental index merging)


def store_papers(
    db: sqlite_utils.Database,
    papers: Sequence[Paper],
    progress: Callable[[int], None] | None = None,
    mined: dict[str, list[tuple[str, str]]] | None = None,
) -> int:
    """Upsert papers and learn their acronyms (from `mined` when given), in chunks so a long import can
    report progress."""
    aliases.ensure_seeds(db)
    bulk = paper_store.import_session(db) if len(papers) >= BULK else contextlib.nullcontext()
    with bulk:
        for start in range(0, len(papers), CHUNK):
            chunk = papers[start : start + CHUNK]
            new = paper_store.save_papers(db, chunk)
            aliases.learn(db, [p for p in chunk if p.id in new], mined)
            if progress:
                progress(len(chunk))
    return len(papers)


def store_listed(db: sqlite_utils.Database, listed: Sequence[ListedPaper]) -> dict[str, int]:
    by_day: dict[str, list[ListedPaper]] = defaultdict(list)
    for entry in listed:
        by_day[entry.day].append(entry)
    for day, entries in by_day.items():
        paper_store.save_daily(db, day, entries)
        paper_store.record_fetch(db, day, len(entries))
    return {day: len(entries) for day, entries in by_day.items()}


def import_batch(
    db: sqlite_utils.Database,
    batch: ImportBatch,
    progress: Callable[[int], None] | None = None,
    mined: dict[str, list[tuple[str, str]]] | None = None,
) -> dict[str, int]:
    store_papers(db, batch.papers, progress, mined)
    return store_listed(db, batch.listed)


def import_files(
    db: sqlite_utils.Database,
    files: Iterable[PreparedFile],
    on_file: Callable[[PreparedFile, dict[str, int]], None] | None = None,
) -> int:
    """Store file after file, as `files` yields them (bot.file_reader.read_files), in one import session:
    all or nothing (an error from `files` rolls everything back), and only the files being read and
    stored are in memory, so memory stays flat however many files there are. Returns the papers stored."""
    aliases.ensure_seeds(db)
    total = 0
    with paper_store.import_session(db):
        for prepared in files:
            days = import_batch(db, prepared.batch, mined=prepared.defined)
            total += len(prepared.batch.papers)
            if on_file:
                on_file(prepared, days)
            del prepared  # before the next file is read, not after
    return total


@dataclass(frozen=True)
class FetchOutcome:
    day: str
    count: int
    error: str | None = None
    unreachable: bool = False  # the source could not be reached at all (not an HTTP error)
    skipped: int = 0  # records Hugging Face sent that were not usable papers


def store_day(db: sqlite_utils.Database, day: str, listed: Sequence[ListedPaper]) -> None:
    """Store one fetched day: its papers, its list, and when it was fetched."""
    store_papers(db, [lp.paper for lp in listed])
    if listed:
        paper_store.save_daily(db, day, listed)
    paper_store.record_fetch(db, day, len(listed))


async def fetch_day(lane: Lane, client: HFClient, day: date) -> FetchOutcome:
    """Fetch and store one day's list. A failure is recorded (for `status`) and returned, never raised."""
    text = day.isoformat()
    try:
        parsed = await client.day_list(day)
    except SourceError as exc:
        logger.warning("fetch day=%s failed: %s", text, exc)
        await lane(paper_store.record_fetch, text, 0, str(exc))
        return FetchOutcome(text, 0, str(exc), unreachable=isinstance(exc, Unreachable))
    await lane(store_day, text, parsed.listed)
    if parsed.skipped:
        logger.warning("fetch day=%s skipped %d bad records", text, len(parsed.skipped))
    logger.info("fetch day=%s papers=%d skipped=%d", text, len(parsed.listed), len(parsed.skipped))
    return FetchOutcome(text, len(parsed.listed), skipped=len(parsed.skipped))


async def fetch_days(
    lane: Lane,
    client: HFClient,
    days: Sequence[date],
    progress: Callable[[FetchOutcome], None] | None = None,
) -> list[FetchOutcome]:
    """Fetch each day in turn; stop at the first day the source cannot be reached at all (each day would
    only wait through the same retries again). The days after it are not in the result."""
    outcomes = []
    for day in days:
        outcome = await fetch_day(lane, client, day)
        outcomes.append(outcome)
        if progress:
            progress(outcome)
        if outcome.unreachable:
            break
    return outcomes


def recent_days(today: date, back: int) -> list[date]:
    return [today - timedelta(days=n) for n in range(back + 1)]
