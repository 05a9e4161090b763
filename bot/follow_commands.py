"""The `/papers` sub-commands for follows: follow, unfollow, alerts."""

from __future__ import annotations

import logging

from paperbot.bot.context import Context, error, register
from paperbot.bot.follows import MAX_FOLLOWS, parse_follow
from paperbot.bot.models import Command, Reply, ReplyKind
from paperbot.storage import follows as follow_store

logger = logging.getLogger(__name__)


def follow(ctx: Context, cmd: Command, arg: str) -> Reply:
    try:
        wanted = parse_follow(arg)
    except ValueError as exc:
        return error(str(exc))
    register(ctx, cmd)
    if len(follow_store.follows(ctx.db, cmd.ref)) >= MAX_FOLLOWS:
        return error(f"this channel already follows {MAX_FOLLOWS} people and labs; unfollow one first")
    if not follow_store.add_follow(ctx.db, cmd.ref, wanted, cmd.user):
        return Reply(f"This channel already follows {wanted.label}.", ReplyKind.INFO)
    logger.info("follow channel=%s %s:%r by=%s", cmd.ref.key, wanted.kind, wanted.key, cmd.user)
    when = (
        "at this channel's digest time"
        if follow_store.options(ctx.db, cmd.ref).alerts is follow_store.AlertMode.DIGEST
        else "as soon as they are fetched"
    )
    return Reply(
        f"Following {wanted.label}: new papers from them are announced here {when}.", ReplyKind.SUCCESS
    )


def unfollow(ctx: Context, cmd: Command, arg: str) -> Reply:
    try:
        wanted = parse_follow(arg)
    except ValueError as exc:
        return error(str(exc))
    if not follow_store.remove_follow(ctx.db, cmd.ref, wanted):
        current = follow_store.follows(ctx.db, cmd.ref)
        known = ", ".join(f.label for f in current) if current else "nobody yet"
        return error(f"this channel does not follow {wanted.label} (it follows {known})")
    logger.info("unfollow channel=%s %s:%r by=%s", cmd.ref.key, wanted.kind, wanted.key, cmd.user)
    return Reply(f"Unfollowed {wanted.label}.", ReplyKind.SUCCESS)


def alerts(ctx: Context, cmd: Command, arg: str) -> Reply:
    word = arg.strip().lower()
    modes = {"now": follow_store.AlertMode.NOW, "digest": follow_store.AlertMode.DIGEST}
    if word not in modes:
        return error("usage: /papers alerts now|digest (digest: alerts wait for the digest's time)")
    register(ctx, cmd)
    follow_store.set_options(ctx.db, cmd.ref, alerts=modes[word])
    if modes[word] is follow_store.AlertMode.DIGEST:
        return Reply("Alerts for followed people and labs now wait for the digest's time.", ReplyKind.SUCCESS)
    return Reply(
        "Alerts for followed people and labs go out as soon as papers are fetched.", ReplyKind.SUCCESS
    )


def listing(ctx: Context, cmd: Command) -> list[str]:
    """The lines `/papers topics` adds: who the channel follows and how alerts behave."""
    current = follow_store.follows(ctx.db, cmd.ref)
    if not current:
        return []
    opts = follow_store.options(ctx.db, cmd.ref)
    when = "at digest time" if opts.alerts is follow_store.AlertMode.DIGEST else "immediately"
    return [f"Following: {', '.join(f.label for f in current)} (alerts {when})"]
