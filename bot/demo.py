"""`paperbot demo`: the embedded default. No tokens, no server: fetch (or load) a day, show its digest
and a search in the terminal, exactly as a channel would see them."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.rule import Rule

from paperbot.bot import app, ingest
from paperbot.bot.cli_common import context, err, fail, out, settings
from paperbot.bot.cli_ingest import embed_new
from paperbot.bot.commands import search_reply
from paperbot.bot.config import Settings
from paperbot.bot.context import Context
from paperbot.bot.digest import build_digest
from paperbot.bot.factories import hf_client, lane
from paperbot.bot.ingest import import_batch
from paperbot.bot.models import ChannelRef
from paperbot.bot.sources.files import FileImportError, load_file
from paperbot.storage import papers as paper_store
from paperbot.storage.db import open_db

DEMO_CHANNEL = ChannelRef("console", "demo")
SAMPLE = Path(__file__).with_name("sample_papers.jsonl")
LOOK_BACK_DAYS = 6  # HF lists are sparse at weekends and fill through the day
DEMO_TIMEOUT = 5.0
DEMO_EMBED = 200  # more than a day's list (30-50 papers: a few seconds on one core)


async def _fetch_latest(cfg: Settings) -> str | None:
    """Fetch today's list, or the most recent earlier one with papers. Returns an error text, or None."""
    today = datetime.now(UTC).date()
    db_lane = lane(cfg)
    try:
        async with hf_client(cfg, attempts=1, timeout=DEMO_TIMEOUT) as client:
            for day in ingest.recent_days(today, LOOK_BACK_DAYS):
                outcome = await ingest.fetch_day(db_lane, client, day)
                if outcome.error:
                    return outcome.error
                if outcome.count:
                    out.print(f"Fetched {outcome.count} papers listed on {outcome.day}.", style="dim")
                    return None
    finally:
        db_lane.close()
    return f"no papers listed in the last {LOOK_BACK_DAYS + 1} days"


def demo(
    from_file: Annotated[
        Path | None,
        typer.Option("--from", help="an HF daily_papers JSON (or JSONL) file instead of fetching"),
    ] = None,
    query: Annotated[str, typer.Option("--query", "-q", help="the search to show")] = "moe",
) -> None:
    """Show today's digest and a search in the terminal (no tokens, no server)."""
    cfg = settings()
    ctx = context(cfg)
    sample = False
    if from_file is not None:
        try:
            batch = load_file(from_file)
        except FileImportError as exc:
            raise fail(str(exc)) from None
        import_batch(ctx.db, batch)
        day = batch.days[-1] if batch.days else None
        out.print(f"Loaded {len(batch.papers)} papers from {from_file.name}.", style="dim")
    else:
        problem = asyncio.run(_fetch_latest(cfg))
        if problem:
            err.print(f"[yellow]Could not fetch from Hugging Face ({problem}).[/yellow]", highlight=False)
        days = paper_store.listed_days(ctx.db, limit=1)
        day = days[0] if days else None
        if day is None:
            # Nothing real to show: use the sample in a throw-away database, never in the user's.
            day = datetime.now(UTC).date().isoformat()
            ctx = Context(open_db(memory=True), ctx.defaults)  # and no semantic search: a sample of 14
            sample = True
            import_batch(ctx.db, load_file(SAMPLE, day))
            err.print(
                "Showing paperbot's built-in sample of well-known papers, kept in memory only: "
                f"{cfg.paperbot_db} holds just what you fetch or import. "
                "Use `--from FILE` with an HF daily_papers JSON file for a real day.",
                highlight=False,
            )
        elif problem:
            err.print(f"Showing the newest day already stored: {day}.", highlight=False)
    if day is None:
        raise fail(f"{from_file}: no listing day in the file; use `paperbot import --date D` first", 1)
    if ctx.semantic is not None:  # PAPERBOT_SEMANTIC: the search below reads meaning too, as it would in chat
        embed_new(ctx, cfg.paperbot_db, DEMO_EMBED)
    digest = build_digest(ctx.db, DEMO_CHANNEL, day, size=ctx.defaults.size, skip_sent=False)
    if sample:
        digest = dataclasses.replace(digest, title="paperbot's built-in sample (offline)", footer="")
    terminal = app.console_adapter(out)
    terminal.show_digest(digest)
    out.print(Rule(f"/papers {query}"))
    terminal.show(search_reply(ctx, query))
    out.print(
        "\nNext: `paperbot chat` to try every /papers command here, `paperbot search <topic>`, "
        "or set SLACK_BOT_TOKEN / DISCORD_TOKEN and `paperbot run`.",
        style="dim",
    )
