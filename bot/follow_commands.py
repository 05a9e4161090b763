"""The `/papers` sub-commands for follows and follow-ups: follow, unfollow, alerts, followups."""

from __future__ import annotations

import logging

from paperbot.bot.context import Context, error, register, whole_number
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


MARKS = {"upvotes": (1, 100_000), "stars": (1, 10_000_000)}
FOLLOWUPS_USAGE = "usage: /papers followups on|off, or /papers followups upvotes N | stars N (the milestones)"


def followups(ctx: Context, cmd: Command, arg: str) -> Reply:
    words = arg.lower().split()
    if words in (["on"], ["off"]):
        register(ctx, cmd)
        follow_store.set_options(ctx.db, cmd.ref, followups=words == ["on"])
        if words == ["on"]:
            return Reply(
                "Follow-ups on posted papers (code, project page, milestones) are on.", ReplyKind.SUCCESS
            )
        return Reply("Follow-ups on posted papers are off.", ReplyKind.SUCCESS)
    value = whole_number(words[1]) if len(words) == 2 else None
    if value is None or words[0] not in MARKS:
        return error(FOLLOWUPS_USAGE)
    low, high = MARKS[words[0]]
    if not low <= value <= high:
        return error(f"the {words[0]} milestone must be from {low} to {high:,}, not {value:,}")
    register(ctx, cmd)
    follow_store.set_options(ctx.db, cmd.ref, **{f"{words[0]}_mark": value})  # type: ignore[arg-type]
    return Reply(f"A follow-up when a posted paper reaches {value:,} {words[0]}.", ReplyKind.SUCCESS)


def listing(ctx: Context, cmd: Command) -> list[str]:
    """The lines `/papers topics` adds: who the channel follows and how alerts behave."""
    current = follow_store.follows(ctx.db, cmd.ref)
    opts = follow_store.options(ctx.db, cmd.ref)
    lines = []
    if current:
        when = "at digest time" if opts.alerts is follow_store.AlertMode.DIGEST else "immediately"
        lines.append(f"Following: {', '.join(f.label for f in current)} (alerts {when})")
    if opts.followups:
        lines.append(
            f"Follow-ups: code, project page, ▲ {opts.upvotes_mark:,} upvotes, ★ {opts.stars_mark:,} stars"
        )
    else:
        lines.append("Follow-ups: off")
    return lines
