"""Follow-ups: a reply in the thread of the message that carried a paper, when it later gets code, a
project page, or crosses an upvote or star milestone.

At most one follow-up per paper, channel and day: its ledger slot is "followup:<day>:<paper>", claimed
before sending and confirmed after, like every post, so a crash is settled by `find_posted` on the
thread. Each event is carried once: an event counts as done when the ledger has the follow-up that
carried it as sent (or claimed); several events found together fold into one reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from paperbot.bot.links import safe_url
from paperbot.bot.models import ChannelRef
from paperbot.storage import followups as store

SLOT_PREFIX = "followup:"
WINDOW = timedelta(days=30)  # papers posted longer ago get no follow-ups
MAX_PER_PASS = 20  # replies per channel per pass; the rest wait for the next pass


@dataclass(frozen=True)
class FollowUp:
    paper_id: str
    thread: str
    slot: str
    events: tuple[str, ...]  # "code", "page", "upvotes:100", "stars:1000"
    text: str


def _bare(url: str) -> str:
    return url.removeprefix("https://").removeprefix("http://").rstrip("/")


def events(paper: store.Posted, upvotes_mark: int, stars_mark: int) -> list[tuple[str, str]]:
    """(event id, what it says) for everything new since the channel saw the paper."""
    found = []
    code = safe_url(paper.github_repo)
    if code and not paper.was_code:
        found.append(("code", f"Code released: {_bare(code)}"))
    page = safe_url(paper.project_page)
    if page and not paper.was_page:
        found.append(("page", f"Project page: {_bare(page)}"))
    if paper.upvotes >= upvotes_mark > paper.was_upvotes:
        found.append((f"upvotes:{upvotes_mark}", f"Now ▲ {paper.upvotes:,} on Hugging Face"))
    if paper.stars >= stars_mark > paper.was_stars:
        found.append((f"stars:{stars_mark}", f"Now ★ {paper.stars:,} on GitHub"))
    return found


def due(
    db: sqlite_utils.Database, ref: ChannelRef, at: datetime, upvotes_mark: int, stars_mark: int
) -> list[FollowUp]:
    """The follow-ups the channel is owed now: one per paper, its new events folded into one line."""
    day = at.date().isoformat()
    since = (at - WINDOW).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    owed = []
    for paper in store.posted(db, ref, since):
        done = store.done_events(db, ref, paper.paper_id)
        new = [(e, text) for e, text in events(paper, upvotes_mark, stars_mark) if e not in done]
        if not new:
            continue
        title = paper.title if len(paper.title) <= 80 else paper.title[:79] + "…"
        text = f"Update on “{title}”: " + " · ".join(text for _, text in new)
        slot = f"{SLOT_PREFIX}{day}:{paper.paper_id}"
        owed.append(FollowUp(paper.paper_id, paper.thread, slot, tuple(e for e, _ in new), text))
        if len(owed) >= MAX_PER_PASS:
            break
    return owed
