"""`paperbot ...`: the command line (typer). Every command works with no chat tokens at all."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress

from paperbot.adapters.console import print_reply, render_digest
from paperbot.bot import runtime
from paperbot.bot.cli_common import context, err, fail, out, parse_day, settings
from paperbot.bot.commands import Context, Defaults, handle, search_reply
from paperbot.bot.config import ConfigError, Settings
from paperbot.bot.delivery import DeliveryReport
from paperbot.bot.demo import demo
from paperbot.bot.digest import build_digest
from paperbot.bot.file_reader import PreparedFile, read_files
from paperbot.bot.ingest import import_files, store_papers
from paperbot.bot.models import ChannelRef, Command, Digest, Paper, ReplyKind
from paperbot.bot.query import QueryError
from paperbot.bot.search import search
from paperbot.bot.sources.arxiv import ArxivClient
from paperbot.bot.sources.files import FileImportError, check_readable
from paperbot.bot.sources.hf import SourceError
from paperbot.bot.status import channel_status, fetch_line
from paperbot.storage import channels as channel_store
from paperbot.storage import papers as paper_store

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


@app.callback()
def _setup(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="log debug details")] = False,
) -> None:
    # Commands report problems themselves; log lines are for `run` (which raises the level) and -v.
    level = logging.DEBUG if verbose else logging.ERROR
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


@app.command("import")
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
    db = context(settings()).db
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("importing", total=len(files))

        def report(done: PreparedFile, days: dict[str, int]) -> None:
            for warning in done.batch.warnings:
                err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
            listed = ", ".join(f"{d} ({n})" for d, n in sorted(days.items())) or "no daily list"
            out.print(f"{done.path.name}: {len(done.batch.papers)} papers; {listed}", highlight=False)
            progress.advance(task)

        try:
            import_files(db, read_files(files, day), report)
        except FileImportError as exc:
            raise fail(f"{exc}; nothing was imported") from None


@app.command()
def fetch(
    day: Annotated[str | None, typer.Option("--date", help="one day (YYYY-MM-DD)")] = None,
    since: Annotated[str | None, typer.Option("--since", help="every day from this one to today")] = None,
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
    today = datetime.now(UTC).date()
    if since:
        start = parse_day(since, "--since")
        if start > today:
            raise fail("--since is in the future")
        days = [date.fromordinal(n) for n in range(start.toordinal(), today.toordinal() + 1)]
    else:
        days = [parse_day(day, "--date") if day else today]
    cfg = settings()
    db = context(cfg).db

    async def go() -> list[runtime.FetchOutcome]:
        async with runtime.hf_client(cfg) as client:
            with Progress(console=err, transient=True) as progress:
                task = progress.add_task("fetching", total=len(days))
                return await runtime.fetch_days(db, client, days, lambda _: progress.advance(task))

    outcomes = asyncio.run(go())
    for outcome in outcomes:
        if outcome.error:
            err.print(f"[red]{outcome.day}: {outcome.error}[/red]", highlight=False)
        else:
            out.print(f"{outcome.day}: {outcome.count} papers")
    if all(o.error for o in outcomes):
        raise typer.Exit(1)


def fetch_arxiv(category: str, limit: int) -> None:
    """arXiv as the second source: papers become searchable (they are on no Daily Papers list)."""
    cfg = settings()
    db = context(cfg).db

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
    store_papers(db, papers)
    out.print(f"arXiv {category}: {len(papers)} papers")


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help='e.g. moe, "kv cache" -survey, author:"Tri Dao"')],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100)] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON list")] = False,
) -> None:
    """Ranked search over every stored paper."""
    db = context(settings()).db
    if not as_json:
        reply = search_reply(Context(db, Defaults()), query, limit=limit)
        if reply.kind == ReplyKind.ERROR:
            raise fail(reply.text)
        print_reply(out, reply)
        return
    try:
        result = search(db, query, limit=limit)
    except QueryError as exc:
        raise fail(str(exc)) from None
    rows: list[dict[str, Any]] = [
        {
            "id": h.paper.id,
            "title": h.paper.title,
            "score": h.score,
            "matched": list(h.matched),
            "upvotes": h.paper.upvotes,
            "url": f"https://huggingface.co/papers/{h.paper.id}",
        }
        for h in result.hits
    ]
    print(json.dumps(rows, ensure_ascii=False, indent=2))


def digest_json(digest: Digest) -> dict[str, Any]:
    return {
        "title": digest.title,
        "day": digest.day,
        "note": digest.note,
        "papers": [dataclasses.asdict(c) for c in digest.cards],
    }


@app.command()
def digest(
    channel: Annotated[str, typer.Option("--channel", help="PLATFORM:CHANNEL, e.g. slack:C0123")],
    day: Annotated[str, typer.Option("--date", help="the day (YYYY-MM-DD)")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Preview a channel's digest for a day without posting it."""
    try:
        ref = ChannelRef.parse(channel)
    except ValueError as exc:
        raise fail(str(exc)) from None
    parse_day(day, "--date")
    ctx = context(settings())
    found = channel_store.get_channel(ctx.db, ref)
    size = found.size if found else ctx.defaults.size
    result = build_digest(ctx.db, ref, day, size=size, topics=channel_store.topics(ctx.db, ref))
    if as_json:
        print(json.dumps(digest_json(result), ensure_ascii=False, indent=2))
    else:
        out.print(render_digest(result))


@app.command()
def deliver(
    at: Annotated[str | None, typer.Option("--at", help="ISO-8601 instant; default now")] = None,
) -> None:
    """Post every digest due at that instant, once. A second call for the same instant posts nothing."""
    try:
        instant = datetime.fromisoformat(at) if at else datetime.now(UTC)
    except ValueError:
        raise fail(f"--at must be an ISO-8601 instant like 2026-06-10T09:00:00+02:00, not {at!r}") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    cfg = settings()
    try:
        report = asyncio.run(_deliver(cfg, instant))
    except ConfigError as exc:
        raise fail(str(exc)) from None
    out.print(
        f"sent {len(report.sent)}, empty {len(report.empty)}, failed {len(report.failed)}, "
        f"paused {len(report.paused)}, waiting {len(report.waiting)}, not due {report.skipped}"
    )
    if report.failed:
        raise typer.Exit(1)


async def _deliver(cfg: Settings, instant: datetime) -> DeliveryReport:
    """One delivery pass through the same wiring `run` uses, without the scheduler."""
    bot = runtime.Bot(cfg)
    try:
        await bot.start_adapters()
        return await bot.tick(instant)
    finally:
        await bot.stop()


@app.command()
def status(
    show_settings: Annotated[
        bool, typer.Option("--settings", help="also list every setting (secrets masked)")
    ] = False,
) -> None:
    """Last fetch, and each channel's next post, last delivery and pause reason."""
    cfg = settings()
    ctx = context(cfg)
    if show_settings:
        for name, value in cfg.masked().items():
            out.print(f"{name.upper()}={value}", highlight=False, markup=False)
        out.print()
    out.print(fetch_line(ctx.db), highlight=False)
    out.print(f"Papers stored: {paper_store.paper_count(ctx.db)}", highlight=False)
    for found in channel_store.list_channels(ctx.db):
        out.print(f"\n[bold]{found.ref.key}[/bold]", highlight=False)
        for line in channel_status(ctx.db, found, datetime.now(UTC)).splitlines()[1:]:
            out.print(f"  {line}", highlight=False, markup=False)


@app.command()
def chat(
    channel: Annotated[
        str, typer.Option("--channel", help="the console channel to act in")
    ] = "console:local",
) -> None:
    """A terminal channel: type `/papers moe` (or just `moe`) as you would in Slack or Discord."""
    try:
        ref = ChannelRef.parse(channel)
    except ValueError as exc:
        raise fail(str(exc)) from None
    ctx = context(settings())
    out.print("paperbot chat. Type /papers help; Ctrl-D or 'quit' leaves.", style="dim")
    last: tuple[str, int] | None = None
    while True:
        try:
            line = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if line in ("quit", "exit"):
            break
        text = line.removeprefix("/papers").strip()
        if text == "more" and last:
            reply = search_reply(ctx, last[0], last[1])
        else:
            reply = handle(ctx, Command(ref=ref, user="you", text=text))
        last = (reply.query, reply.next_offset) if reply.query and reply.more else None
        print_reply(out, reply)


app.command()(demo)


@app.command()
def run() -> None:
    """The bot: every configured adapter, the scheduler and catch-up. Stops cleanly on SIGTERM/SIGINT."""
    cfg = settings()
    logging.getLogger().setLevel(cfg.log_level.upper())
    # APScheduler logs two lines per job run at INFO; paperbot logs what the jobs did instead.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLogger().level))

    async def serve() -> None:
        await runtime.Bot(cfg).serve_forever()

    try:
        asyncio.run(serve())
    except ConfigError as exc:
        raise fail(str(exc)) from None


def main() -> None:
    app()
