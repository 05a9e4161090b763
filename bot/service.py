"""The core as adapters call it: async methods that run the synchronous core on a database lane.

Commands that only look run on `storage.worker`'s reads lane, commands that change a channel on its
writes lane, so a slow search or a lock held by another process never blocks the event loop, a
`subscribe` waiting for that lock never delays a search, and a delivery pass never delays either.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime

import sqlite_utils

from paperbot.bot.cards import to_card
from paperbot.bot.commands import GRAMMAR, handle, search_reply, sub_command
from paperbot.bot.context import Context, Defaults
from paperbot.bot.models import ChannelRef, Command, Digest, Reply, ReplyKind
from paperbot.bot.query import STOPWORDS, tokens
from paperbot.bot.search import search
from paperbot.bot.semantic import Semantic
from paperbot.bot.votes import cast_vote
from paperbot.storage import channels as channel_store
from paperbot.storage import follows as follow_store
from paperbot.storage import meta
from paperbot.storage import papers as paper_store
from paperbot.storage.db import DatabaseError, explain
from paperbot.storage.worker import Lane

logger = logging.getLogger(__name__)
MORE_LIKE_WORDS = 6


class Service:
    def __init__(
        self,
        reads: Lane,
        writes: Lane,
        defaults: Defaults,
        on_schedule_change: Callable[[], None] | None = None,
        semantic: Semantic | None = None,
    ) -> None:
        self._semantic = semantic
        self._reads = reads
        self._writes = writes
        self._defaults = defaults
        self._last_search: dict[tuple[str, str], tuple[str, int]] = {}  # shared by both lanes' contexts
        self._last_shown: dict[tuple[str, str], tuple[datetime, tuple[str, ...]]] = {}
        self.on_schedule_change = on_schedule_change

    def _context(self, db: sqlite_utils.Database) -> Context:
        return Context(
            db,
            self._defaults,
            on_schedule_change=self._schedule_changed,
            semantic=self._semantic,
            last_search=self._last_search,
            last_shown=self._last_shown,
        )

    def _schedule_changed(self) -> None:
        if self.on_schedule_change is not None:
            self.on_schedule_change()

    async def _run(self, fn: Callable[[Context], Reply], *, writes: bool = False) -> Reply:
        """Run a reply-producing function on its lane; a database fault is a one-line answer, not a crash."""
        lane = self._writes if writes else self._reads
        try:
            return await lane(lambda db: fn(self._context(db)))
        except (sqlite3.Error, DatabaseError) as exc:
            problem = exc if isinstance(exc, DatabaseError) else explain(exc, None)
            logger.error("command failed on the database: %s", problem)
            return Reply(f"The database is unavailable right now ({problem}).", ReplyKind.ERROR)

    async def handle(self, cmd: Command) -> Reply:
        sub, _ = sub_command(cmd.text)
        return await self._run(lambda ctx: handle(ctx, cmd), writes=bool(sub and sub.writes))

    async def page(self, query: str, offset: int) -> Reply:
        return await self._run(lambda ctx: search_reply(ctx, query, max(offset, 0)))

    async def more_like(self, arxiv_id: str) -> Reply:
        return await self._run(lambda ctx: more_like(ctx, arxiv_id))

    async def suggestions(self, ref: ChannelRef) -> list[str]:
        """Autocomplete: every sub-command, unsubscribing from and searching for each topic, unfollowing."""
        topics = await self._reads(channel_store.topics, ref)
        followed = await self._reads(follow_store.follows, ref)
        return [
            *(sub.hint for sub in GRAMMAR),
            *(f"unsubscribe {t}" for t in topics),
            *topics,
            *(f"unfollow {f.label}" for f in followed),
        ]

    async def vote(self, ref: ChannelRef, paper_id: str, user: str, value: int) -> Reply:
        """A 👍/👎 button press: the same vote again withdraws it."""
        return await self._run(
            lambda ctx: cast_vote(ctx.db, ref, paper_id, user, value, toggle=True), writes=True
        )

    async def get_meta(self, key: str) -> str | None:
        return await self._reads(meta.get, key)

    async def put_meta(self, key: str, value: str) -> None:
        await self._writes(meta.put, key, value)


def more_like(ctx: Context, arxiv_id: str) -> Reply:
    """Papers similar to one: a search for the words of its title (and their meaning, with semantic search
    on), without the paper itself."""
    paper = paper_store.get_paper(ctx.db, arxiv_id.strip()[:64])
    if paper is None:
        return Reply("That paper is no longer in the archive.", ReplyKind.WARNING)
    words = [w for w in tokens(paper.title) if w not in STOPWORDS and len(w) > 2][:MORE_LIKE_WORDS]
    if not words:
        return Reply("That paper's title has nothing to search for.", ReplyKind.WARNING)
    result = search(ctx.db, " ".join(words), limit=6, semantic=ctx.semantic)
    cards = tuple(to_card(h.paper, (), h.score) for h in result.hits if h.paper.id != paper.id)[:5]
    if not cards:
        return Reply(f"Nothing similar to “{paper.title[:80]}” yet.", ReplyKind.INFO)
    return Reply("More like this", digest=Digest(f"More like “{paper.title[:100]}”", "", cards))
