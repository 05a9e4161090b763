"""`/papers ...`: one grammar and one implementation for Slack, Discord and the console.

The first word picks a sub-command only when it is one; anything else is a search, so
`/papers subscribe moe` subscribes and `/papers moe subscribe` searches. `GRAMMAR` is the one table
that help, permission checks, dispatch and Discord's autocomplete are all built from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from paperbot.bot import channel_commands as channel
from paperbot.bot import follow_commands as follow
from paperbot.bot import votes
from paperbot.bot.cards import to_card
from paperbot.bot.context import Context, error
from paperbot.bot.models import Command, Digest, Reply, ReplyKind
from paperbot.bot.query import QueryError
from paperbot.bot.search import search
from paperbot.bot.semantic import WHY_RELATED
from paperbot.storage import papers as paper_store

logger = logging.getLogger(__name__)

PAGE = 5
LAST_SEARCHES = 10_000  # remembered for `/papers more`, oldest forgotten first


def search_reply(ctx: Context, text: str, offset: int = 0, limit: int = PAGE) -> Reply:
    try:
        result = search(ctx.db, text, limit=limit, offset=offset, semantic=ctx.semantic)
    except QueryError as exc:
        return error(str(exc))
    if not result.hits:
        empty = "No more papers" if offset else "No papers found"
        hint = (
            "" if paper_store.paper_count(ctx.db) else " (the archive is empty: run `paperbot fetch` first)"
        )
        return Reply(f"{empty} for “{text.strip()[:80]}”{hint}.", ReplyKind.WARNING)
    cards = tuple(
        to_card(h.paper, h.matched, h.score, why=WHY_RELATED if h.related else "") for h in result.hits
    )
    notes = [f"“{w}” → “{c}”" for w, c in result.corrections.items()]
    note = f"Did you mean: {', '.join(notes)}" if notes else ""
    shown = f"{offset + 1}-{offset + len(cards)}"
    digest = Digest(f"Papers for “{text.strip()[:80]}” ({shown})", "", cards, note=note, first=offset + 1)
    more = result.total > offset + len(cards)
    return Reply(digest.title, digest=digest, query=text.strip(), offset=offset, more=more)


def _more(ctx: Context, cmd: Command, arg: str = "") -> Reply:
    last = ctx.last_search.get((cmd.ref.key, cmd.user))
    if last is None:
        return Reply("Nothing to continue: search first, e.g. /papers moe", ReplyKind.WARNING)
    return search_reply(ctx, last[0], last[1])


Handler = Callable[[Context, Command, str], Reply]


@dataclass(frozen=True)
class SubCommand:
    """One `/papers` sub-command: everything help, permissions, dispatch and autocomplete need."""

    name: str
    handler: Handler
    summary: str
    args: str = ""  # shown after the name in help, e.g. "<topic>"
    manage: bool = False  # needs the right to manage the channel
    registers: bool = False  # sets the channel up for daily digests: the bot must be able to post there
    changes: bool = False  # changes the database without manage rights (a vote)

    @property
    def writes(self) -> bool:
        """Whether it changes the database: the sub-commands that need manage rights, and votes."""
        return self.manage or self.changes

    @property
    def usage(self) -> str:
        return f"/papers {self.name} {self.args}".strip()

    @property
    def hint(self) -> str:
        """What autocomplete offers: the name, with a space when an argument follows."""
        return f"{self.name} " if self.args else self.name


def _help(ctx: Context, cmd: Command, arg: str = "") -> Reply:
    return Reply(help_text())


GRAMMAR: tuple[SubCommand, ...] = (
    SubCommand("today", channel.today, "this channel's digest of the newest list, as it stands now"),
    SubCommand("more", _more, "the next five results of your last search"),
    SubCommand(
        "subscribe",
        channel.subscribe,
        "lead this channel's digest with papers on <topic>",
        "<topic>",
        True,
        True,
    ),
    SubCommand("unsubscribe", channel.unsubscribe, "stop following <topic>", "<topic>", True),
    SubCommand(
        "follow",
        follow.follow,
        "announce new papers by an author or lab here",
        'author:"Full Name" | org:"Lab"',
        True,
        True,
    ),
    SubCommand("unfollow", follow.unfollow, "stop following an author or lab", 'author:"…" | org:"…"', True),
    SubCommand("alerts", follow.alerts, "alerts for follows: at once, or at digest time", "now|digest", True),
    SubCommand(
        "followups",
        follow.followups,
        "thread replies when a posted paper gets code or crosses a milestone",
        "on|off | upvotes N | stars N",
        True,
    ),
    SubCommand("topics", channel.topics, "what this channel follows, and its schedule"),
    SubCommand(
        "schedule",
        channel.schedule,
        "when the digest is posted; `weekly Fri 16:00` posts one roll-up a week instead",
        "HH:MM [Area/City] [weekdays|daily] | weekly DAY HH:MM [Area/City]",
        True,
        True,
    ),
    SubCommand("size", channel.size, "papers per digest (1-20)", "N", True, True),
    SubCommand(
        "weekly",
        channel.weekly_repeat,
        "whether the weekly roll-up repeats papers the channel already got that week",
        "all|new",
        True,
    ),
    SubCommand("images", channel.images, "show paper thumbnails on digest cards, or not", "off|on", True),
    SubCommand("pause", channel.pause, "stop the daily digest", manage=True, registers=True),
    SubCommand("resume", channel.resume, "restart the daily digest", manage=True, registers=True),
    SubCommand("status", channel.status, "last fetch, next post, last delivery"),
    SubCommand(
        "up", votes.vote_command(1), "👍 card N of the last list you saw (again to undo)", "N", changes=True
    ),
    SubCommand("down", votes.vote_command(-1), "👎 card N of the last list you saw", "N", changes=True),
    SubCommand("👍", votes.vote_command(1), "same as up", "N", changes=True),
    SubCommand("👎", votes.vote_command(-1), "same as down", "N", changes=True),
    SubCommand(
        "taste",
        votes.taste_command,
        "what this channel's votes taught its digest; `reset` forgets them (manage rights)",
        "[reset]",
        changes=True,
    ),
    SubCommand("help", _help, "this text"),
)
BY_NAME = {sub.name: sub for sub in GRAMMAR}


def help_text() -> str:
    """One line per sub-command, no column padding (chat fonts are proportional)."""
    lines = [
        '`/papers <topic>`: search, e.g. `/papers moe` or `/papers "kv cache" -survey` or `/papers video author:"Jan Kautz"`'
    ]
    lines += [f"`{sub.usage}`: {sub.summary}" for sub in GRAMMAR]
    lines.append("A channel gets the daily digest once someone runs subscribe or schedule in it.")
    return "\n".join(lines)


def sub_command(text: str) -> tuple[SubCommand | None, str]:
    """The sub-command a command line names, and its argument; (None, text) for a search."""
    word, _, arg = (text or "").strip().partition(" ")
    return BY_NAME.get(word.lower()), arg.strip()


def handle(ctx: Context, cmd: Command) -> Reply:
    """Answer one `/papers` command. Never raises for bad input: the reply says what was wrong."""
    text = (cmd.text or "").strip()
    if not text:
        return _help(ctx, cmd)
    sub, arg = sub_command(text)
    if sub is None:
        reply = search_reply(ctx, text)
    elif sub.manage and not cmd.user_can_manage:
        return error(f"only people who can manage this channel may use /papers {sub.name}")
    elif sub.registers and cmd.cannot_post:
        return error(f"{cmd.cannot_post}; nothing was changed.")
    else:
        reply = sub.handler(ctx, cmd, arg)
    if reply.digest is not None and reply.digest.cards:
        shown_key = (cmd.ref.key, cmd.user)
        ctx.last_shown.pop(shown_key, None)
        ctx.last_shown[shown_key] = (ctx.now(), tuple(c.arxiv_id for c in reply.digest.cards))
        if len(ctx.last_shown) > LAST_SEARCHES:
            del ctx.last_shown[next(iter(ctx.last_shown))]
    if reply.query is not None:
        key = (cmd.ref.key, cmd.user)
        if reply.more:
            ctx.last_search.pop(key, None)  # re-insert: the oldest entry is the first to go
            ctx.last_search[key] = (reply.query, reply.next_offset)
            if len(ctx.last_search) > LAST_SEARCHES:
                del ctx.last_search[next(iter(ctx.last_search))]
        else:
            ctx.last_search.pop(key, None)
    return reply
