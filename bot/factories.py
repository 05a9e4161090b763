"""Settings turned into the objects the CLI and the running bot share: the database, a channel's
defaults, the delivery policy, the Hugging Face client."""

from __future__ import annotations

from datetime import timedelta

import sqlite_utils

from paperbot.bot.config import ConfigError, Settings
from paperbot.bot.context import Defaults
from paperbot.bot.outcomes import Policy
from paperbot.bot.sources.hf import HFClient
from paperbot.storage.db import open_db
from paperbot.storage.worker import Lane


def open_database(settings: Settings, *, check: bool = True) -> sqlite_utils.Database:
    try:
        return open_db(settings.paperbot_db, check=check)
    except FileNotFoundError as exc:
        raise ConfigError(f"PAPERBOT_DB: {exc}") from None


def lane(settings: Settings, name: str = "cli") -> Lane:
    """A database lane for a CLI command that runs async work (fetch); the command checked the file."""
    return Lane(lambda: open_database(settings, check=False), name)


def defaults_of(settings: Settings) -> Defaults:
    return Defaults(settings.default_post_time, settings.default_timezone, "weekdays", settings.default_size)


def policy_of(settings: Settings) -> Policy:
    return Policy(
        grace=timedelta(hours=settings.catchup_grace_hours),
        partial_wait=timedelta(minutes=settings.partial_wait_minutes),
        min_papers=settings.min_papers,
    )


def hf_client(settings: Settings, *, attempts: int = 4, timeout: float | None = None) -> HFClient:
    return HFClient(
        settings.hf_api_url,
        timeout=timeout or settings.http_timeout,
        attempts=attempts,
        backoff=settings.retry_backoff,
    )
