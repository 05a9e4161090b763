"""`paperbot ...`: the command line (typer). Every command works with no chat tokens at all."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import shlex
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from paperbot.bot import app as composition
from paperbot.bot import cli_ingest, weekly
from paperbot.bot.cli_common import context, err, fail, out, parse_day, settings
from paperbot.bot.commands import handle, search_reply
from paperbot.bot.config import ConfigError, Settings, load_settings, platform_notice
from paperbot.bot.demo import demo
from paperbot.bot.digest import build_digest
from paperbot.bot.doctor import doctor
from paperbot.bot.models import ChannelRef, Command, Digest, Reply, ReplyKind
from paperbot.bot.outcomes import DeliveryReport
from paperbot.bot.query import QueryError
from paperbot.bot.search import search
from paperbot.bot.semantic import coverage
from paperbot.bot.status import channel_lines, fetch_lines
from paperbot.bot.taste_scorer import TasteScorer
from paperbot.bot.votes import VALUES, cast_vote
from paperbot.storage import channels as channel_store
from paperbot.storage import papers as paper_store
from paperbot.storage import vectors as vector_store
from paperbot.storage.db import DatabaseError, explain


class _Commands(TyperGroup):
    """Every command's storage faults (corrupt file, disk full, lock held too long...) end as one line."""

    def invoke(self, ctx: Any) -> Any:  # typer.Context; typer vendors its own click
        try:
            return super().invoke(ctx)
        except DatabaseError as exc:
            raise fail(str(exc)) from None
        except sqlite3.Error as exc:
            raise fail(str(explain(exc, _db_path()))) from None


def _db_path() -> Path | None:
    try:
        return load_settings().paperbot_db
    except ConfigError:
        return None


app = typer.Typer(cls=_Commands, add_completion=False, no_args_is_help=True, help=__doc__)
app.command("import")(cli_ingest.import_cmd)
app.command()(cli_ingest.fetch)
app.command()(cli_ingest.embed)


@app.callback()
def _setup(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="log debug details")] = False,
) -> None:
    # Commands report problems themselves; log lines are for `run` (which raises the level) and -v.
    level = logging.DEBUG if verbose else logging.ERROR
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


# ignore_unknown_options: a query such as `-moe` (everything but moe) is the query, not an unknown option;
# `paperbot search -- -moe` works too, as usual on command lines.
@app.command("search", context_settings={"ignore_unknown_options": True})
def search_cmd(
    query: Annotated[str, typer.Argument(help='e.g. moe, "kv cache" -survey, video author:"Jan Kautz"')],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100)] = 10,
    offset: Annotated[int, typer.Option("--offset", min=0, max=10_000, help="skip this many results")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON list")] = False,
) -> None:
    """Ranked search over every stored paper."""
    ctx = context(settings(), writes=False)
    if not as_json:
        reply = search_reply(ctx, query, offset=offset, limit=limit)
        if reply.kind == ReplyKind.ERROR:
            raise fail(reply.text)
        # The console adapter's "more" hint names the chat command; on the command line it is --offset.
        composition.console_adapter(out).show(dataclasses.replace(reply, more=False))
        if reply.more:
            out.print(f"more: paperbot search {shlex.quote(query)} --offset {reply.next_offset}", style="dim")
        return
    try:
        result = search(ctx.db, query, limit=limit, offset=offset, semantic=ctx.semantic)
    except QueryError as exc:
        raise fail(str(exc)) from None
    rows: list[dict[str, Any]] = [
        {
            "id": h.paper.id,
            "title": h.paper.title,
            "score": h.score,
            "matched": list(h.matched),
            "related": h.related,
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
        "more": digest.more,
        "more_url": digest.more_url,
    }


@app.command()
def digest(
    channel: Annotated[str, typer.Option("--channel", help="PLATFORM:CHANNEL, e.g. slack:C0123")],
    day: Annotated[str | None, typer.Option("--date", help="the day (YYYY-MM-DD)")] = None,
    week: Annotated[
        str | None, typer.Option("--week", help="an ISO week (YYYY-Www): the weekly roll-up")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Preview a channel's digest for a day (or its weekly roll-up for a week) without posting it."""
    try:
        ref = ChannelRef.parse(channel)
    except ValueError as exc:
        raise fail(str(exc)) from None
    if (day is None) == (week is None):
        raise fail("give exactly one of --date YYYY-MM-DD or --week YYYY-Www")
    monday = None
    if week is not None:
        try:
            monday = weekly.parse_week(week)
        except ValueError as exc:
            raise fail(str(exc)) from None
    else:
        parse_day(str(day), "--date")
    ctx = context(settings(), writes=False)
    found = channel_store.get_channel(ctx.db, ref)
    size = found.size if found else ctx.defaults.size
    images = found.images if found else True
    topics = channel_store.topics(ctx.db, ref)
    if monday is not None:
        repeat = found.weekly_all if found else False
        result = weekly.build_week(
            ctx.db, ref, [monday], size=size, topics=topics, repeat=repeat, images=images
        )
    else:
        result = build_digest(
            ctx.db, ref, str(day), size=size, topics=topics, images=images, taste=TasteScorer(ctx.db)
        )
    if as_json:
        print(json.dumps(digest_json(result), ensure_ascii=False, indent=2))
    else:
        composition.console_adapter(out).show_digest(result)


@app.command()
def vote(
    channel: Annotated[str, typer.Option("--channel", help="PLATFORM:CHANNEL, e.g. slack:C0123")],
    paper: Annotated[str, typer.Option("--paper", help="arXiv id, e.g. 2606.10651")],
    value: Annotated[str, typer.Argument(help="up, down or clear")],
    user: Annotated[str, typer.Option("--user", help="who votes")] = "cli",
) -> None:
    """Record a vote as if pressed in that channel: up, down, or clear to withdraw it."""
    try:
        ref = ChannelRef.parse(channel)
    except ValueError as exc:
        raise fail(str(exc)) from None
    if value.lower() not in ("up", "down", "clear"):
        raise fail(f"the vote is up, down or clear, not {value!r}")
    ctx = context(settings(), writes=True)
    reply = cast_vote(ctx.db, ref, paper, user.strip(), VALUES[value.lower()], toggle=False)
    if reply.kind is ReplyKind.ERROR:
        raise fail(reply.text)
    out.print(reply.text, markup=False, highlight=False)


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


DELIVER_WAIT = 120.0  # seconds a `deliver` waits for another `deliver` on the same database


async def _deliver(cfg: Settings, instant: datetime) -> DeliveryReport:
    """One delivery pass through the same wiring `run` uses, without the scheduler."""
    bot = composition.Bot(cfg, role="deliver")
    try:
        try:
            bot.take_delivery_lock()
        except ConfigError:
            if "paperbot run" in bot.lock.holder():
                raise  # it delivers by itself; waiting would only post nothing later
            err.print(f"waiting for {bot.lock.holder() or 'another paperbot'} to finish…", highlight=False)
            await asyncio.to_thread(bot.take_delivery_lock, DELIVER_WAIT)
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
    ctx = context(cfg, writes=False)
    if show_settings:
        for name, value in cfg.masked().items():
            out.print(f"{name.upper()}={value}", highlight=False, markup=False, soft_wrap=True)
        out.print()
    for line in fetch_lines(ctx.db):
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    out.print(f"Papers stored: {paper_store.paper_count(ctx.db)}", highlight=False, soft_wrap=True)
    if ctx.semantic is not None:
        counts = vector_store.counts(ctx.db, ctx.semantic.model)
        out.print(f"Semantic search: on, {coverage(*counts)}", highlight=False)
    for found in channel_store.list_channels(ctx.db):
        out.print(f"\n[bold]{found.ref.key}[/bold]", highlight=False)
        for line in channel_lines(ctx.db, found, datetime.now(UTC)):
            out.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)


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
    terminal = composition.console_adapter(out)
    out.print("paperbot chat. Type /papers help; Ctrl-D or 'quit' leaves.", style="dim")
    while True:
        try:
            line = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if line in ("quit", "exit"):
            break
        word = line.split(maxsplit=1)[0] if line else ""
        if word.startswith("/") and word != "/papers":
            terminal.show(Reply(f"Unknown command {word[:30]}: type /papers help", ReplyKind.ERROR))
            continue
        terminal.show(handle(ctx, Command(ref=ref, user="you", text=line.removeprefix("/papers").strip())))


app.command()(demo)
app.command()(doctor)


@app.command()
def run() -> None:
    """The bot: every configured adapter, the scheduler and catch-up. Stops cleanly on SIGTERM/SIGINT."""
    cfg = settings()
    notice = platform_notice(cfg)
    if notice is not None and notice.kind == "error":
        raise fail(notice.text)
    if notice is not None:
        err.print(f"[yellow]warning:[/yellow] {notice.text}", highlight=False, soft_wrap=True)
    logging.getLogger().setLevel(cfg.log_level.upper())
    # APScheduler logs two lines per job run at INFO; paperbot logs what the jobs did instead.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLogger().level))

    async def serve() -> None:
        await composition.Bot(cfg).serve_forever()

    try:
        asyncio.run(serve())
    except ConfigError as exc:
        raise fail(str(exc)) from None


def main() -> None:
    app()
