"""The core as adapters call it: async methods that run the synchronous core on one worker thread.

One thread owns one SQLite connection for all chat commands, so a slow search never blocks the event
loop (Slack's 3 s ack, Discord's 3 s interaction deadline) and the connection is never shared.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import sqlite_utils

from paperbot.bot.cards import to_card
from paperbot.bot.commands import Context, Defaults, handle, search_reply
from paperbot.bot.models import ChannelRef, Command, Digest, Reply, ReplyKind
from paperbot.bot.query import STOPWORDS, tokens
from paperbot.bot.search import search
from paperbot.storage import channels as channel_store
from paperbot.storage import meta
from paperbot.storage import papers as paper_store

logger = logging.getLogger(__name__)
T = TypeVar("T")
MORE_LIKE_WORDS = 6


class Core:
    def __init__(self, open_database: Callable[[], sqlite_utils.Database], defaults: Defaults) -> None:
        self._open = open_database
        self._defaults = defaults
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="paperbot-core")
        self._local = threading.local()
        self.on_schedule_change: Callable[[], None] | None = None

    def _ctx(self) -> Context:
        ctx = getattr(self._local, "ctx", None)
        if ctx is None:
            ctx = Context(self._open(), self._defaults, on_schedule_change=self.on_schedule_change)
            self._local.ctx = ctx
        return ctx

    async def _run(self, fn: Callable[[Context], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(self._ctx()))

    async def handle(self, cmd: Command) -> Reply:
        return await self._run(lambda ctx: handle(ctx, cmd))

    async def page(self, query: str, offset: int) -> Reply:
        return await self._run(lambda ctx: search_reply(ctx, query, max(offset, 0)))

    async def more_like(self, arxiv_id: str) -> Reply:
        return await self._run(lambda ctx: more_like(ctx, arxiv_id))

    async def topics(self, ref: ChannelRef) -> list[str]:
        return await self._run(lambda ctx: channel_store.topics(ctx.db, ref))

    async def get_meta(self, key: str) -> str | None:
        return await self._run(lambda ctx: meta.get(ctx.db, key))

    async def put_meta(self, key: str, value: str) -> None:
        await self._run(lambda ctx: meta.put(ctx.db, key, value))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def more_like(ctx: Context, arxiv_id: str) -> Reply:
    """Papers similar to one: a search for the rarest words of its title, without the paper itself."""
    paper = paper_store.get_paper(ctx.db, arxiv_id.strip()[:64])
    if paper is None:
        return Reply("That paper is no longer in the archive.", ReplyKind.WARNING)
    words = [w for w in tokens(paper.title) if w not in STOPWORDS and len(w) > 2][:MORE_LIKE_WORDS]
    if not words:
        return Reply("That paper's title has nothing to search for.", ReplyKind.WARNING)
    result = search(ctx.db, " ".join(words), limit=6)
    cards = tuple(to_card(h.paper, (), h.score) for h in result.hits if h.paper.id != paper.id)[:5]
    if not cards:
        return Reply(f"Nothing similar to “{paper.title[:80]}” yet.", ReplyKind.INFO)
    return Reply("More like this", digest=Digest(f"More like “{paper.title[:100]}”", "", cards))
