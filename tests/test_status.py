"""What `/papers status` and `paperbot status` say about fetches and about the channel's next post."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlite_utils
import time_machine

from paperbot.bot.commands import handle
from paperbot.bot.context import Context, Defaults
from paperbot.bot.models import ChannelRef, Command
from paperbot.storage import papers as paper_store

REF = ChannelRef("slack", "C1", "T1")
NOW = datetime(2026, 6, 30, 19, 0, tzinfo=UTC)
ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def status(db: sqlite_utils.Database) -> str:
    ctx = Context(db, Defaults(), now=lambda: NOW)
    return handle(ctx, Command(REF, "U1", "status", user_can_manage=True)).text


def test_an_unregistered_channel_is_promised_no_post(fresh_db: sqlite_utils.Database) -> None:
    text = status(fresh_db)
    assert "Next post: none" in text and "subscribes it to a topic" in text
    assert fresh_db.execute("SELECT count(*) FROM channels").fetchone()[0] == 0  # looking registers nothing
    ctx = Context(fresh_db, Defaults(), now=lambda: NOW)
    handle(ctx, Command(REF, "U1", "schedule 09:00 Europe/Berlin", user_can_manage=True))
    assert "Next post: Wed 2026-07-01 09:00 Europe/Berlin" in status(fresh_db)


def test_fetch_line_is_readable_and_a_failure_is_its_own_line(fresh_db: sqlite_utils.Database) -> None:
    assert status(fresh_db).startswith("Last fetch: never\n")
    with time_machine.travel(datetime(2026, 6, 30, 18, 25, 40, tzinfo=UTC), tick=False):
        paper_store.record_fetch(fresh_db, "2026-06-30", 35)
    first = status(fresh_db).splitlines()
    assert first[0] == "Last fetch: Tue 30 Jun, 18:25 UTC — 35 papers"
    assert first[1].startswith("Next post")  # no failure line
    with time_machine.travel(datetime(2026, 6, 30, 18, 40, tzinfo=UTC), tick=False):
        paper_store.record_fetch(fresh_db, "2026-06-30", 0, "Hugging Face is unreachable at http://x")
    lines = status(fresh_db).splitlines()
    assert lines[0] == "Last fetch: Tue 30 Jun, 18:25 UTC — 35 papers"  # the good one stays as it was
    assert lines[1].startswith("Fetch failed: Tue 30 Jun, 18:40 UTC: Hugging Face is unreachable")
    assert not ISO_INSTANT.search("\n".join(lines)) and "FAILED" not in lines[0]
    with time_machine.travel(datetime(2026, 7, 1, 6, 5, tzinfo=UTC), tick=False):
        paper_store.record_fetch(fresh_db, "2026-06-30", 36)  # a day's list fetched the next morning
    lines = status(fresh_db).splitlines()
    assert lines[0] == "Last fetch: Wed 01 Jul, 06:05 UTC — 36 papers (list of Tue 30 Jun)"
    assert not any(line.startswith("Fetch failed") for line in lines)  # fixed since: no stale failure
