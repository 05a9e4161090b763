"""The CLI commands that bring papers in: `paperbot import FILE...` and `paperbot fetch` (Hugging Face
days, or an arXiv category). bot/cli.py registers them."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from paperbot.bot.cli_common import context, err, fail, out, parse_day, settings
from paperbot.bot.context import Context
from paperbot.bot.factories import hf_client, lane
from paperbot.bot.file_reader import PreparedFile, read_files
from paperbot.bot.ingest import FetchOutcome, fetch_days, import_files, store_papers
from paperbot.bot.models import Paper
from paperbot.bot.progress import steps
from paperbot.bot.semantic import Semantic, coverage, embed_missing
from paperbot.bot.sources.arxiv import ArxivClient
from paperbot.bot.sources.files import FileImportError, check_readable
from paperbot.bot.sources.hf import SourceError
from paperbot.storage import vectors as vector_store
from paperbot.storage.lock import EmbedLock, LockBusy

DAILY_PAPERS_BEGAN = date(2023, 5, 1)
# An import or fetch embeds as many papers as it brought, up to this many, when PAPERBOT_SEMANTIC is on
# (~0.1 s a paper on one core); a bigger archive is embedded by `paperbot embed` (stop and rerun any time).
EMBED_AFTER_INGEST = 1_000
# A year of days per call: ~1 request a day, a few minutes; longer back-fills are split by the user.
MAX_FETCH_DAYS = 366


def import_cmd(
    files: Annotated[list[Path], typer.Argument(help="HF daily_papers JSON arrays or JSONL files")],
    day: Annotated[
        str | None, typer.Option("--date", help="list the papers on this day (YYYY-MM-DD)")
    ] = None,
) -> None:
    """Load papers from files (idempotent: importing twice only refreshes counters; all or nothing)."""
    if day:
        parse_day(day, "--date")
    try:
        check_readable(files)
    except FileImportError as exc:
        raise fail(str(exc)) from None
    cfg = settings()
    ctx = context(cfg)
    db = ctx.db
    brought = 0
    with steps(err, "importing", len(files), "files", every=0) as advance:  # a line per file below

        def report(done: PreparedFile, days: dict[str, int]) -> None:
            nonlocal brought
            brought += len(done.batch.papers)
            skipped = done.batch.skipped_line(done.path.name)
            for warning in [*done.batch.warnings, *([skipped] if skipped else [])]:
                err.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
            listed = ", ".join(f"{d} ({n})" for d, n in sorted(days.items())) or "no daily list"
            out.print(
                f"{done.path.name}: {len(done.batch.papers)} papers; {listed}",
                highlight=False,
                soft_wrap=True,
            )
            advance(1)

        try:
            import_files(db, read_files(files, day), report)
        except FileImportError as exc:
            raise fail(f"{exc}; nothing was imported") from None
    embed_new(ctx, cfg.paperbot_db, min(brought, EMBED_AFTER_INGEST))


def fetch(
    day: Annotated[str | None, typer.Option("--date", help="one day (YYYY-MM-DD)")] = None,
    since: Annotated[str | None, typer.Option("--since", help="every day from this one to today")] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="with --since: the last day (default today)")
    ] = None,
    arxiv: Annotated[
        str | None,
        typer.Option("--arxiv", help="instead: the newest papers of an arXiv category, e.g. cs.LG"),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="with --arxiv: how many")] = 100,
) -> None:
    """Fetch Hugging Face daily lists (or, with --arxiv, a category's newest papers) into the database."""
    if arxiv:
        return fetch_arxiv(arxiv, limit)
    if day and since:
        raise fail("use --date or --since, not both")
    if until and not since:
        raise fail("--until goes with --since")
    today = datetime.now(UTC).date()
    if since:
        start = parse_day(since, "--since")
        end = min(parse_day(until, "--until"), today) if until else today
        if start > end:
            raise fail("--since is after the last day to fetch (today, or --until)")
        if start < DAILY_PAPERS_BEGAN:
            raise fail(
                f"--since must be on or after {DAILY_PAPERS_BEGAN} (when Hugging Face Daily Papers began)"
            )
        if (end - start).days + 1 > MAX_FETCH_DAYS:
            raise fail(
                f"--since covers {(end - start).days + 1} days; fetch at most {MAX_FETCH_DAYS} per call "
                "(use --until to fetch a longer stretch in steps)"
            )
        days = [date.fromordinal(n) for n in range(start.toordinal(), end.toordinal() + 1)]
    else:
        days = [parse_day(day, "--date") if day else today]
    cfg = settings()
    ctx = context(cfg)  # a bad database fails here, in one line

    def report(outcome: FetchOutcome) -> None:
        # One line per day as it completes: progress that also reads well in a log.
        if outcome.unreachable:
            left = len(days) - days.index(date.fromisoformat(outcome.day)) - 1
            later = f"; stopped, {left} later day{'s' if left != 1 else ''} not fetched" if left else ""
            err.print(
                f"[red]{outcome.day}: {outcome.error}{later}[/red] (`paperbot doctor` checks the connection)",
                highlight=False,
                soft_wrap=True,
            )
        elif outcome.error:
            err.print(f"[red]{outcome.day}: {outcome.error}[/red]", highlight=False, soft_wrap=True)
        else:
            skipped = f" ({outcome.skipped} bad records skipped)" if outcome.skipped else ""
            out.print(f"{outcome.day}: {outcome.count} papers{skipped}", highlight=False, soft_wrap=True)

    async def go() -> list[FetchOutcome]:
        db_lane = lane(cfg)
        try:
            async with hf_client(cfg) as client:
                with steps(err, "fetching", len(days), "days", every=0) as advance:

                    def done(outcome: FetchOutcome) -> None:
                        report(outcome)
                        advance(1)

                    return await fetch_days(db_lane, client, days, done)
        finally:
            db_lane.close()

    outcomes = asyncio.run(go())
    embed_new(ctx, cfg.paperbot_db, min(sum(o.count for o in outcomes), EMBED_AFTER_INGEST))
    if all(o.error for o in outcomes):
        raise typer.Exit(1)


def fetch_arxiv(category: str, limit: int) -> None:
    """arXiv as the second source: papers become searchable (they are on no Daily Papers list)."""
    cfg = settings()
    ctx = context(cfg)

    async def go() -> list[Paper]:
        client = ArxivClient(cfg.arxiv_api_url, timeout=cfg.http_timeout)
        try:
            return await client.newest(category, limit)
        finally:
            await client.aclose()

    try:
        papers = asyncio.run(go())
    except (ValueError, SourceError) as exc:
        raise fail(str(exc)) from None
    store_papers(ctx.db, papers)
    out.print(f"arXiv {category}: {len(papers)} papers")
    embed_new(ctx, cfg.paperbot_db, min(len(papers), EMBED_AFTER_INGEST))


def embed(
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="embed at most this many (the most recently stored first)")
    ] = 1_000_000_000,
) -> None:
    """Give papers meaning vectors for semantic search (PAPERBOT_SEMANTIC=true); stop and rerun any time."""
    cfg = settings()
    ctx = context(cfg)
    if ctx.semantic is None:
        raise fail(
            "semantic search is off: set PAPERBOT_SEMANTIC=true (needs pip install 'paperbot[semantic]')"
        )
    embed_new(ctx, cfg.paperbot_db, limit)


def embed_new(ctx: Context, database: Path, limit: int) -> None:
    """Embed up to `limit` papers that have no meaning vector yet (newest first), when semantic search is
    on. While another process embeds from the same file, this one leaves it the work and says so."""
    if ctx.semantic is None:
        return
    lock = EmbedLock(database, "embed")
    try:
        lock.acquire()
    except LockBusy as exc:
        out.print(f"{exc}; `paperbot embed` adds what it leaves", highlight=False, soft_wrap=True)
        return
    try:
        _embed(ctx, ctx.semantic, limit)
    finally:
        lock.release()


def _embed(ctx: Context, semantic: Semantic, limit: int) -> None:
    have, total = vector_store.counts(ctx.db, semantic.model)
    todo = min(total - have, limit)
    if todo > 0:
        with steps(err, "embedding", todo, "papers", every=1_000) as advance:
            embed_missing(ctx.db, semantic, todo, advance)
    out.print(coverage(have + max(todo, 0), total), highlight=False, soft_wrap=True)
