"""Alerts: a channel hears about a new paper by someone it follows within one fetch cycle, once ever.

An alert is an ordinary post in the delivery ledger: its slot is "alert:<day>:<hash of its papers>",
claimed before sending and confirmed after, and confirming it records its papers in `sent_papers` like
any digest. So the ledger alone decides what a channel has seen: a paper alerted is never alerted again
nor repeated in a digest, a crash between claim and confirm is settled by the same `find_posted` check
as a digest's, and a paper held by a claim still open (unverifiable after a crash) is never put in
another alert (at most once beats twice).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

import sqlite_utils

from paperbot.bot.cards import to_card
from paperbot.bot.follows import new_from
from paperbot.bot.models import ChannelRef, Digest, Paper
from paperbot.storage import deliveries
from paperbot.storage import follows as follow_store
from paperbot.storage import papers as paper_store

SLOT_PREFIX = "alert:"
MAX_CARDS = 10  # more waits for the next pass: an alert stays short
FOOTER = "paperbot · /papers topics lists who this channel follows · /papers unfollow to stop"


def slot(day: str, paper_ids: Sequence[str]) -> str:
    """The same papers on the same day always give the same slot, so a retried alert reclaims its row."""
    digest = hashlib.sha256(",".join(sorted(paper_ids)).encode()).hexdigest()[:16]
    return f"{SLOT_PREFIX}{day}:{digest}"


def pending(db: sqlite_utils.Database, ref: ChannelRef, limit: int = MAX_CARDS) -> list[tuple[Paper, str]]:
    """New papers matching the channel's follows, never sent there nor held by an open claim, each with
    its mark ("new from Tri Dao"), oldest first."""
    followed = follow_store.follows(db, ref)
    if not followed:
        return []
    held = deliveries.claimed_papers(db, ref)
    found = []
    for paper, added_at in follow_store.new_papers(db, ref):
        if paper.id in held:
            continue
        mark = new_from(paper, followed, added_at)
        if mark:
            found.append((paper, mark))
            if len(found) >= limit:
                break
    return found


def alert_digest(day: str, items: Sequence[tuple[Paper, str]]) -> Digest:
    """One short message: one card per paper, each marked with whom it is new from."""
    cards = tuple(replace(to_card(paper), followed=mark) for paper, mark in items)
    marks = {mark for _, mark in items}
    title = (
        (lambda m: m[:1].upper() + m[1:])(marks.pop())
        if len(marks) == 1
        else "New from people and labs you follow"
    )
    return Digest(title, day, cards, FOOTER)


def leading(db: sqlite_utils.Database, ref: ChannelRef, days: Sequence[str]) -> dict[str, str]:
    """The papers listed on `days` by someone the channel follows, with their marks: they lead its digest
    (those already alerted there are left out by the digest, as every paper the channel saw)."""
    followed = follow_store.follows(db, ref)
    if not followed:
        return {}
    pks = [e.pk for day in days for e in paper_store.daily_list(db, day)]
    papers = paper_store.get_papers_by_pk(db, pks)
    return {p.id: mark for p in papers.values() if (mark := new_from(p, followed))}
