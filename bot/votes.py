"""👍/👎 from buttons, `/papers up N` and `paperbot vote`, and `/papers taste`: one implementation for all.

Votes are per channel: what one channel teaches never changes another's digest. A vote names a paper in
the archive; anything else gets a one-line answer and changes nothing.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

import sqlite_utils

from paperbot.bot import taste
from paperbot.bot.context import Context, error, whole_number
from paperbot.bot.models import ChannelRef, Command, Reply, ReplyKind
from paperbot.bot.taste_markers import as_written
from paperbot.bot.taste_scorer import TasteScorer
from paperbot.storage import channels as channel_store
from paperbot.storage import deliveries
from paperbot.storage import papers as paper_store
from paperbot.storage import votes as vote_store

logger = logging.getLogger(__name__)

VALUES = {"up": 1, "👍": 1, "+1": 1, "down": -1, "👎": -1, "-1": -1, "clear": 0}
# New-style (2606.10651) and old-style (cs.LG/0601001) arXiv ids: a button's value is checked against
# this before anything is looked up.
ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}|[a-z][a-z.-]{0,20}(?:\.[A-Z]{2})?/\d{7}")
MAX_USER = 128


def valid_paper_id(text: str) -> str | None:
    candidate = (text or "").strip()
    return candidate if len(candidate) <= 40 and ARXIV_ID.fullmatch(candidate) else None


def cast_vote(
    db: sqlite_utils.Database, ref: ChannelRef, paper_id: str, user: str, value: int, *, toggle: bool
) -> Reply:
    """Record one person's vote on a paper in a channel. With `toggle` (a button, `/papers up N`),
    the same vote again withdraws it. The answer is meant for that person only."""
    checked = valid_paper_id(paper_id)
    if checked is None:
        return error("That button or id does not name a paper; nothing was recorded.")
    # Platform user ids are short and printable; a name typed for the CLI is held to the same (no line
    # breaks, no undecodable bytes: those surface as lone surrogates, which are not printable).
    if not user or len(user) > MAX_USER or not user.isprintable():
        return error("A vote needs the name of who cast it, in printable text; nothing was recorded.")
    paper = paper_store.get_paper(db, checked)
    if paper is None:
        return error(f"{checked} is not in this bot's archive; nothing was recorded.")
    outcome = vote_store.cast(db, ref, checked, user, value, toggle=toggle)
    logger.info("vote channel=%s paper=%s value=%d outcome=%s", ref.key, checked, value, outcome)
    title = paper.title if len(paper.title) <= 90 else paper.title[:89] + "…"
    if outcome is vote_store.Outcome.WITHDRAWN:
        return Reply(f"Vote withdrawn on “{title}”.", ReplyKind.INFO)
    if outcome is vote_store.Outcome.UNCHANGED:
        held = vote_store.vote_of(db, ref, checked, user)
        state = {1: "👍", -1: "👎"}.get(held, "no vote")
        return Reply(f"You already have {state} on “{title}”; nothing changed.", ReplyKind.INFO)
    mark = "👍" if value > 0 else "👎"
    lean = "more" if value > 0 else "fewer"
    return Reply(
        f"{mark} on “{title}”: this channel's digest will show {lean} papers like it. Press again to undo.",
        ReplyKind.SUCCESS,
    )


def shown_cards(ctx: Context, cmd: Command) -> list[str]:
    """The cards last shown to this person in this channel: their own last reply, or the channel's last
    digest, whichever is newer."""
    own = ctx.last_shown.get((cmd.ref.key, cmd.user))
    posted = deliveries.last_for(ctx.db, cmd.ref)
    posted_at = posted.sent_at if posted is not None and posted.sent_at else None
    if own is not None and (posted_at is None or own[0] >= _stamp(posted_at)):
        return list(own[1])
    return list(posted.papers) if posted is not None and posted_at else []


def _stamp(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def vote_command(value: int) -> Callable[[Context, Command, str], Reply]:
    def handler(ctx: Context, cmd: Command, arg: str) -> Reply:
        word = "up" if value > 0 else "down"
        number = whole_number(arg)
        if number is None:
            return error(f"say which card: /papers {word} N, where N is its number in the last list you saw")
        cards = shown_cards(ctx, cmd)
        if not cards:
            return error("No cards shown in this channel yet: vote after a digest or a search.")
        if not 1 <= number <= len(cards):
            return error(f"there is no card {number} in the last list you saw (it had {len(cards)})")
        return cast_vote(ctx.db, cmd.ref, cards[number - 1], cmd.user, value, toggle=True)

    return handler


def taste_command(ctx: Context, cmd: Command, arg: str) -> Reply:
    """`/papers taste`: what the channel has taught; `/papers taste reset` forgets it (manage rights)."""
    word = arg.strip().lower()
    if word == "reset":
        if not cmd.user_can_manage:
            return error("only people who can manage this channel may use /papers taste reset")
        forgotten = vote_store.reset(ctx.db, cmd.ref)
        logger.info("taste reset channel=%s votes=%d by=%s", cmd.ref.key, forgotten, cmd.user)
        return Reply(
            f"Forgot this channel's {forgotten} vote(s): its digest is back to topics and trending.",
            ReplyKind.SUCCESS,
        )
    if word:
        return error("/papers taste shows what this channel taught; /papers taste reset forgets it")
    return Reply(taste_summary(ctx.db, cmd.ref))


SHOWN_TERMS = 6  # words per line of /papers taste


def _as_printed(terms: Sequence[str], texts: Sequence[str]) -> list[str]:
    """Up to SHOWN_TERMS of `terms`, each as some text prints it ("KV cache"), skipping any none does."""
    shown: list[str] = []
    for term in terms:
        written = next(filter(None, (as_written(term, text) for text in texts)), None)
        if written and written.lower() not in {w.lower() for w in shown}:
            # An acronym keeps its capitals ("KV cache", "LoRA"); a title's capital initial does not.
            shown.append(written if any(c.isupper() for c in written[1:]) else written.lower())
        if len(shown) == SHOWN_TERMS:
            break
    return shown


def taste_summary(db: sqlite_utils.Database, ref: ChannelRef) -> str:
    stored = vote_store.channel_votes(db, ref)
    if not stored:
        return "No votes yet. Press 👍 or 👎 under any card (or /papers up N) to teach this channel's digest."
    scorer = TasteScorer(db)
    # The same profile its digests use: liked areas are balanced only for a channel without topics.
    profile = scorer.profile(ref, by_area=not channel_store.topics(db, ref))
    people = len({v.user for v in stored})
    who = "1 person" if people == 1 else f"{people} people"
    lines = [f"{profile.up} 👍 and {profile.down} 👎 from {who} in this channel."]
    # Terms are stored folded ("physic", "bia"): each is shown as the voted papers print it, or not at all.
    texts = [
        part
        for t in vote_store.texts_by_id(db, list(profile.coefficients)).values()
        for part in (t.title, t.summary)
    ]
    lean = taste.leaning(profile, scorer.vectors(list(profile.coefficients)), count=SHOWN_TERMS * 2)
    telling = [scorer.book.names[t] for t in scorer.book.telling(scorer.markers(profile))]
    for label, terms in (
        ("Leans towards", lean.towards),
        ("Leans away from", lean.away),
        ("Its liked papers share", telling),
    ):
        if shown := _as_printed(terms, texts):
            lines.append(f"{label}: " + ", ".join(shown))
    ups = Counter(v.paper_id for v in stored if v.value > 0)
    liked = [p for p, _ in ups.most_common(3)]
    if liked:
        lines.append("Most liked recently:")
        lines += [f"• {scorer.title(p)} (👍 ×{ups[p]})" for p in liked]
    lines.append("/papers taste reset forgets all of it (needs the right to manage this channel).")
    return "\n".join(lines)
