"""The composition root: the one module that wires settings, storage, adapters and the scheduler together.

It is the only core module that imports `adapters/`: everything else in `bot/` knows adapters only
through `bot.ports`. `paperbot run` is `Bot(settings).serve_forever()`; tests drive the same object.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web
from rich.console import Console

from paperbot.adapters.console import ConsoleAdapter
from paperbot.bot import ingest
from paperbot.bot.config import ConfigError, Settings
from paperbot.bot.delivery import deliver_due
from paperbot.bot.embedding import semantic_search
from paperbot.bot.factories import defaults_of, hf_client, open_database, policy_of
from paperbot.bot.jobs import Jobs
from paperbot.bot.outcomes import DeliveryReport, Outcome
from paperbot.bot.ports import AdapterFatal, ChatAdapter
from paperbot.bot.semantic import failure, paper_text
from paperbot.bot.service import Service
from paperbot.storage import channels as channel_store
from paperbot.storage import papers as paper_store
from paperbot.storage import vectors as vector_store
from paperbot.storage.lock import DeliveryLock, EmbedLock, LockBusy
from paperbot.storage.worker import DatabaseOwner

logger = logging.getLogger(__name__)

FETCH_FRESH = timedelta(minutes=10)
# A fetch brings ~50 papers; a back-log is embedded 500 a fetch (or all at once by `paperbot embed`).
EMBED_PER_FETCH = 500


def console_adapter(console: Console | None = None) -> ConsoleAdapter:
    """The terminal adapter, for the CLI commands that show replies and digests."""
    return ConsoleAdapter(console)


def build_adapters(settings: Settings, service: Service) -> dict[str, ChatAdapter]:
    """Which adapters run: a plain dict built from settings."""
    adapters: dict[str, ChatAdapter] = {"console": ConsoleAdapter()}
    multi_workspace = bool(settings.slack_client_id and settings.slack_client_secret)
    if settings.slack_bot_token or multi_workspace:
        from paperbot.adapters.slack.app import SlackAdapter, SlackConfigError
        from paperbot.adapters.slack.http import OAuthConfig

        oauth = None
        if multi_workspace and settings.slack_client_secret:
            oauth = OAuthConfig(
                str(settings.slack_client_id),
                settings.slack_client_secret.get_secret_value(),
                str(settings.paperbot_db),
            )
        secret = settings.slack_signing_secret
        try:
            adapters["slack"] = SlackAdapter(
                service,
                bot_token=settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
                oauth=oauth,
                api_url=settings.slack_api_url,
                app_token=settings.slack_app_token.get_secret_value() if settings.slack_app_token else None,
                signing_secret=secret.get_secret_value() if secret else None,
                admins_only=settings.slack_admins_only,
            )
        except SlackConfigError as exc:
            raise ConfigError(f"Slack: {exc}") from None
    if settings.discord_token:
        from paperbot.adapters.discord.client import DiscordAdapter

        adapters["discord"] = DiscordAdapter(
            service,
            token=settings.discord_token.get_secret_value(),
            api_base=settings.discord_api_base,
            gateway_url=settings.discord_gateway_url or None,
            shards=settings.discord_shards,
        )
    return adapters


class Bot:
    """Everything `paperbot run` starts, in one object so tests can drive the same wiring in-process."""

    def __init__(
        self, settings: Settings, *, tick_seconds: int = 300, fetch_minutes: int = 120, role: str = "run"
    ) -> None:
        self.settings = settings
        open_database(settings).close()  # fail at start-up, in one line, on a bad file or schema
        self.database = DatabaseOwner(lambda: open_database(settings, check=False))  # checked just above
        self.lane = self.database.background
        self.semantic = semantic_search(settings.semantic)
        self.service = Service(
            self.database.reads,
            self.database.writes,
            defaults_of(settings),
            self._schedule_changed,
            self.semantic,
        )
        self.adapters: dict[str, ChatAdapter] = build_adapters(settings, self.service)
        self.stopped_adapters: dict[str, str] = {}
        self.client = hf_client(settings)
        self.policy = policy_of(settings)
        self.jobs = Jobs(
            self.tick, self.fetch, self.run_channel, tick_seconds=tick_seconds, fetch_minutes=fetch_minutes
        )
        self.lock = DeliveryLock(settings.paperbot_db, role)
        self._one_pass = asyncio.Lock()  # the cron jobs and the safety tick never deliver at once
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.http_port: int | None = None
        self.fetch_fresh = FETCH_FRESH

    def take_delivery_lock(self, wait: float = 0.0) -> None:
        """Become the database's one delivering process; ConfigError (one line) when another is."""
        try:
            self.lock.acquire(wait)
        except LockBusy as exc:
            raise ConfigError(f"{exc}; stop it first (one paperbot delivers per database)") from None

    def _schedule_changed(self) -> None:
        # Called from the commands lane's thread: hop onto the event loop that owns the scheduler.
        if self._loop is not None:
            self._loop.call_soon_threadsafe(lambda: asyncio.ensure_future(self.sync_jobs()))

    async def sync_jobs(self) -> None:
        self.jobs.sync(await self.lane(channel_store.list_channels))

    async def fetch(self) -> None:
        """The periodic fetch: today's and yesterday's lists (UTC), so upvotes stay current; then a
        delivery pass, so alerts and follow-ups on what it brought go out now, not at the next tick."""
        await ingest.fetch_days(self.lane, self.client, ingest.recent_days(datetime.now(UTC).date(), 1))
        await self.embed_new()
        await self.tick(datetime.now(UTC))

    async def embed_new(self) -> None:
        """Meaning vectors for the papers a fetch brought (PAPERBOT_SEMANTIC): the model runs on its own
        thread, so no database lane waits for it; a failure is logged and the next fetch tries again."""
        if self.semantic is None:
            return
        semantic = self.semantic
        lock = EmbedLock(self.settings.paperbot_db, "run")
        try:
            await asyncio.to_thread(lambda: semantic.embedder)  # at start-up: loaded before the first search
            lock.acquire()  # busy: a `paperbot embed` is at work; the next fetch looks again
            rows = await self.lane(vector_store.missing, semantic.model, EMBED_PER_FETCH)
            texts = [paper_text(title, abstract) for _, title, abstract in rows]
            blobs = await asyncio.to_thread(semantic.vectors, texts) if rows else []
            await self.lane(
                vector_store.save, semantic.model, [(r[0], b) for r, b in zip(rows, blobs, strict=True)]
            )
        except LockBusy as exc:
            logger.info("not embedding new papers now: %s", exc)
        except Exception as exc:  # the optional model must never stop the bot; the next fetch tries again
            logger.error(
                "embedding new papers failed (semantic search goes on without them): %s", failure(exc)
            )
        finally:
            lock.release()

    async def fetch_before_post(self, day: str) -> None:
        """Refresh one day's list before posting it, unless fetched successfully within `fetch_fresh`
        (deliver_due already shares one call per day among a pass's channels)."""
        last = await self.lane(paper_store.fetched_at, day)
        if last and datetime.now(UTC) - last < self.fetch_fresh:
            return
        await ingest.fetch_day(self.lane, self.client, date.fromisoformat(day))

    async def run_channel(self, key: str) -> None:
        """A channel's cron job: its post time has come."""
        await self.tick(datetime.now(UTC), only=key)

    async def tick(self, now: datetime, only: str | None = None) -> DeliveryReport:
        """One delivery pass; passes in this process run one at a time, and only with the lock held."""
        async with self._one_pass:
            if not self.lock.held:
                self.take_delivery_lock()
            try:
                report = await deliver_due(
                    self.lane,
                    self.adapters,
                    now,
                    policy=self.policy,
                    fetch=self.fetch_before_post,
                    only=only,
                )
            except AdapterFatal as exc:
                logger.critical("adapter stopped: %s", exc)
                self.stopped_adapters[exc.platform] = exc.reason
                self.adapters.pop(exc.platform, None)
                report = DeliveryReport()
                report.add(f"{exc.platform} adapter stopped", Outcome.FAILED)
                return report
        counts = {o: len(keys) for o, keys in report.channels.items() if keys and o is not Outcome.SKIPPED}
        if counts:
            logger.info("tick %s", " ".join(f"{o}={n}" for o, n in counts.items()))
        return report

    async def healthz(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = {
            "scheduler": "running" if self.jobs.running else "stopped",
            "adapters": {name: "running" for name in self.adapters},
        }
        body["adapters"].update({name: f"stopped: {why}" for name, why in self.stopped_adapters.items()})
        healthy = self.jobs.running and not self.stopped_adapters
        return web.json_response({"ok": healthy, **body}, status=200 if healthy else 503)

    async def start_adapters(self) -> None:
        for name, adapter in self.adapters.items():
            try:
                await adapter.start()
            except Exception as exc:
                raise ConfigError(f"{name}: {exc}") from None

    async def start(self) -> None:
        self.take_delivery_lock()
        await self.start_adapters()
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        for adapter in self.adapters.values():
            app.router.add_routes(adapter.routes())
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.paperbot_http_host, self.settings.paperbot_http_port)
        await site.start()
        self.http_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._loop = asyncio.get_running_loop()
        await self.sync_jobs()
        self.jobs.start()
        logger.info(
            "paperbot running adapters=%s http=%s:%s",
            ",".join(sorted(self.adapters)),
            self.settings.paperbot_http_host,
            self.http_port,
        )

    async def stop(self) -> None:
        logger.info("paperbot stopping")
        self.jobs.shutdown()
        for adapter in self.adapters.values():
            with contextlib.suppress(Exception):
                await adapter.stop()
        if self._runner is not None:
            await self._runner.cleanup()
        await self.client.aclose()
        await asyncio.to_thread(self.database.close)
        self.lock.release()

    async def serve_forever(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        self.take_delivery_lock()  # before anything starts: a second paperbot stops here, in one line
        try:
            await self.start()
            await stop.wait()
        finally:
            await self.stop()
