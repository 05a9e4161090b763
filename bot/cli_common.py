"""Helpers every CLI command shares: consoles, one-line failures, settings and the database."""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console
from rich.markup import escape

from paperbot.bot.config import ConfigError, Settings, load_settings
from paperbot.bot.context import Context
from paperbot.bot.embedding import semantic_search
from paperbot.bot.factories import defaults_of, open_database

out = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    # soft_wrap: an error stays one line however narrow the terminal (scripts and logs read it whole).
    err.print(f"[red]error:[/red] {escape(message)}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(code)


def settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        raise fail(str(exc)) from None


def context(cfg: Settings, *, writes: bool = True) -> Context:
    """The database for a command; one that only reads skips the integrity check (seconds on a big file)."""
    try:
        semantic = semantic_search(cfg.semantic)  # a missing extra fails before the file is touched
        return Context(open_database(cfg, check=writes), defaults_of(cfg), semantic=semantic)
    except ConfigError as exc:
        raise fail(str(exc)) from None


def parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option} must be a date like 2026-06-10, not {text!r}") from None
