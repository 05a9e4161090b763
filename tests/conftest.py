from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlite_utils

from paperbot.bot.app import Bot
from paperbot.bot.config import load_settings
from paperbot.bot.delivery import deliver_due
from paperbot.bot.ingest import import_batch
from paperbot.bot.models import ChannelRef, Digest
from paperbot.bot.outcomes import DeliveryReport
from paperbot.bot.ports import ChatAdapter, PostKey
from paperbot.bot.sources.files import ImportBatch
from paperbot.bot.sources.hf import parse_daily
from paperbot.storage.db import open_db
from paperbot.storage.worker import Lane
from tests.fakes.hf import FakeHF
from tests.fakes.slack import FakeSlack

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DATA = SHARED / "data"


def shared_data() -> Path:
    if not (DATA / "hf_daily_papers").is_dir():
        pytest.skip(f"recorded data not found at {DATA} (CI keeps ../shared beside the checkout)")
    return DATA


@pytest.fixture
def fresh_db() -> Iterator[sqlite_utils.Database]:
    db = open_db(memory=True)
    yield db
    db.close()


# Every setting that would change which adapters run or how: cleared, so the developer's own environment
# never leaks into a test.
PLATFORM_SETTINGS = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "PAPERBOT_SLACK_ADMINS_ONLY",
    "DISCORD_TOKEN",
    "DISCORD_SHARDS",
    "PAPERBOT_SEMANTIC",
    "PAPERBOT_DEFAULT_TZ",
)


def bot_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **settings: str) -> Path:
    """A clean environment for the bot: its own database, any free port, no retry waits, Hugging Face
    unreachable, and no chat platform except what `settings` add. Returns the database path."""
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    for name in PLATFORM_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    db = tmp_path / "bot.db"
    defaults = {
        "PAPERBOT_DB": str(db),
        "PAPERBOT_HTTP_PORT": "0",
        "PAPERBOT_RETRY_BACKOFF": "0",
        "HF_API_URL": "http://127.0.0.1:9",  # nothing listens there
    }
    chosen = {**defaults, **settings}
    for name, value in chosen.items():
        monkeypatch.setenv(name, value)
    return Path(chosen["PAPERBOT_DB"])


def load(db: sqlite_utils.Database, items: list[dict[str, Any]]) -> None:
    """Store Daily Papers items (HF's JSON shape) as a fetch does: papers, and their day's list."""
    listed = parse_daily(items)
    import_batch(db, ImportBatch(papers=[lp.paper for lp in listed], listed=listed))


def seed(db_path: Path, items: list[dict[str, Any]]) -> None:
    """Store a day's Daily Papers items (HF's JSON shape) in the database file."""
    db = open_db(db_path)
    load(db, items)
    db.close()


def inspect(bot: Bot) -> sqlite_utils.Database:
    """A connection of the test's own to the bot's database file, to arrange or check through."""
    return open_db(bot.settings.paperbot_db)


@pytest.fixture
async def running(env: Path) -> AsyncIterator[Bot]:
    """The bot as `paperbot run` wires it, started in this event loop; `env` is the test module's fixture."""
    started = Bot(load_settings(), tick_seconds=3600)
    await started.start()
    yield started
    await started.stop()


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    await server.start()
    yield server
    await server.stop()


DISCORD_CHANNEL = "2000000000000000001"


@pytest.fixture
async def discord_fake() -> AsyncIterator[Any]:
    """The local Discord with one text channel, DISCORD_CHANNEL (a tests.fakes.discord.FakeDiscord)."""
    from tests.fakes.discord import FakeDiscord

    server = FakeDiscord()
    await server.start()
    server.channels[DISCORD_CHANNEL] = []
    yield server
    await server.stop()


@pytest.fixture
async def fake_hf() -> AsyncIterator[FakeHF]:
    server = FakeHF()
    await server.start()
    yield server
    await server.stop()


async def deliver(
    db: sqlite_utils.Database, adapters: dict[str, ChatAdapter], at: datetime, **options: Any
) -> DeliveryReport:
    """One delivery pass over an open database, through a lane as the running bot makes it."""
    return await deliver_due(Lane(lambda: db, "test"), adapters, at, **options)


class RecordingAdapter:
    """A chat adapter that records posts (with their key's token); scripted failures per channel."""

    platform = "console"

    def __init__(self) -> None:
        self.posts: list[tuple[ChannelRef, Digest, str]] = []
        self.replies: list[tuple[ChannelRef, str, str, str]] = []  # (channel, thread, text, token)
        self.failures: dict[str, Exception] = {}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def routes(self) -> list[Any]:
        return []

    async def post(self, ref: ChannelRef, digest: Digest, key: PostKey) -> list[str]:
        if ref.channel in self.failures:
            raise self.failures[ref.channel]
        self.posts.append((ref, digest, key.token))
        return [f"m{len(self.posts)}"]

    async def reply(self, ref: ChannelRef, thread: str, text: str, key: PostKey) -> list[str]:
        if ref.channel in self.failures:
            raise self.failures[ref.channel]
        self.replies.append((ref, thread, text, key.token))
        return [f"r{len(self.replies)}"]

    async def find_posted(self, ref: ChannelRef, key: PostKey) -> list[str] | None:
        if key.thread:
            return [
                f"r{i + 1}" for i, r in enumerate(self.replies) if r[1] == key.thread and r[3] == key.token
            ]
        return [f"m{i + 1}" for i, (_, _, k) in enumerate(self.posts) if k == key.token]


@pytest.fixture
def recorder() -> RecordingAdapter:
    return RecordingAdapter()


def assert_only_links_to(hosts: set[str], targets: list[str]) -> None:
    """Every live link a stand-in saw goes over https to one of `hosts` (and there is at least one)."""
    assert targets, "the messages should still carry the bot's own links"
    for target in targets:
        parts = urlsplit(target)
        assert parts.scheme == "https" and parts.hostname in hosts, target


async def started_bot() -> Bot:
    """The bot as `paperbot run` wires it, from the environment a test set up."""
    bot = Bot(load_settings(), tick_seconds=3600)
    await bot.start()
    return bot


def slack_settings(slack: FakeSlack, hf: FakeHF) -> dict[str, str]:
    """bot_env settings for Slack in HTTP mode against the stand-ins."""
    from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET

    return {
        "HF_API_URL": hf.url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }


def discord_settings(discord: Any, hf: FakeHF) -> dict[str, str]:
    """bot_env settings for Discord against the stand-ins (`discord` is a tests.fakes.discord.FakeDiscord)."""
    from tests.fakes.discord import BOT_TOKEN

    return {
        "HF_API_URL": hf.url,
        "DISCORD_TOKEN": BOT_TOKEN,
        "DISCORD_API_BASE": discord.api_base,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
    }
