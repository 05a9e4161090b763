"""Alerts for followed authors and labs, through the delivery pass and its ledger (recording adapter)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlite_utils

from paperbot.bot import alerts
from paperbot.bot.follows import parse_follow
from paperbot.bot.models import ChannelRef
from paperbot.storage import channels as channel_store
from paperbot.storage import deliveries
from paperbot.storage import follows as follow_store
from tests.conftest import RecordingAdapter, deliver, load
from tests.factories import day_items, hf_item

DAY = "2026-06-10"
BEFORE_POST = datetime(2026, 6, 10, 7, 0, tzinfo=UTC)  # the channels post at 09:00 UTC
AFTER_POST = datetime(2026, 6, 10, 9, 30, tzinfo=UTC)
LONG_AGO = "2020-01-01T00:00:00Z"


def channel(db: sqlite_utils.Database, name: str, *follows: str) -> ChannelRef:
    ref = ChannelRef("console", name)
    channel_store.ensure_channel(db, ref, post_time="09:00", timezone="UTC", days="weekdays", size=3)
    for text in follows:
        follow_store.add_follow(db, ref, parse_follow(text), "U1")
    return ref


def age_everything(db: sqlite_utils.Database) -> None:
    """Make every stored paper older than every follow, as papers fetched before it was made."""
    with db.conn:
        db.execute("UPDATE papers SET added_at = ?", [LONG_AGO])


def by_dao(paper_id: str, title: str, **kw: object) -> dict[str, object]:
    return hf_item(paper_id, title, "An abstract.", authors=("Trí Dào", "Some One"), **kw)  # type: ignore[arg-type]


def alert_posts(recorder: RecordingAdapter, name: str) -> list[tuple[str, list[str], list[str]]]:
    """(title, paper ids, marks) of every alert posted to a channel."""
    return [
        (d.title, [c.arxiv_id for c in d.cards], [c.followed for c in d.cards])
        for ref, d, token in recorder.posts
        if ref.channel == name and ":alert:" in token
    ]


async def test_a_new_paper_by_a_followed_author_is_alerted_once(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    load(fresh_db, [by_dao("2606.00100", "An old Dao paper"), *day_items(DAY, 5)])
    ref = channel(fresh_db, "a", 'author:"Tri Dao"')
    other = channel(fresh_db, "b", 'author:"Tri Dao"')
    quiet = channel(fresh_db, "c", 'author:"Xin Dao"')
    age_everything(fresh_db)
    await deliver(fresh_db, {"console": recorder}, BEFORE_POST)
    assert recorder.posts == []  # papers stored before the follow never alert
    load(fresh_db, [by_dao("2606.00200", "FlashAttention-9")])  # a later fetch
    await deliver(fresh_db, {"console": recorder}, BEFORE_POST)
    expected = [("New from Trí Dào", ["2606.00200"], ["new from Trí Dào"])]  # as the paper spells it
    assert alert_posts(recorder, "a") == expected and alert_posts(recorder, "b") == expected
    assert alert_posts(recorder, "c") == []
    for _ in range(2):  # later passes, the same day and the next
        await deliver(fresh_db, {"console": recorder}, BEFORE_POST)
        await deliver(fresh_db, {"console": recorder}, datetime(2026, 6, 11, 7, 0, tzinfo=UTC))
    assert len(alert_posts(recorder, "a")) == 1 and len(alert_posts(recorder, "b")) == 1
    assert "2606.00200" in deliveries.sent_paper_ids(fresh_db, ref)
    assert "2606.00200" in deliveries.sent_paper_ids(fresh_db, other)
    assert quiet not in [r for r, _, _ in recorder.posts]
    # status still reports the last digest, not the alert
    assert deliveries.last_for(fresh_db, ref) is None


async def test_several_matches_in_one_fetch_are_one_message(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    channel(fresh_db, "a", 'author:"Tri Dao"', "org:KwaiKeye")  # HF's name; the paper has the display name
    load(
        fresh_db,
        [
            by_dao("2606.00201", "Paper one"),
            hf_item("2606.00202", "Paper two", "Abstract.", organization="Kwai Keye"),
            hf_item("2606.00203", "Not followed", "Abstract."),
        ],
    )
    await deliver(fresh_db, {"console": recorder}, BEFORE_POST)
    ((title, ids, marks),) = alert_posts(recorder, "a")
    assert title == "New from people and labs you follow"
    assert sorted(ids) == ["2606.00201", "2606.00202"]
    assert sorted(marks) == ["new from Kwai Keye", "new from Trí Dào"]


async def test_unfollow_stops_alerts(fresh_db: sqlite_utils.Database, recorder: RecordingAdapter) -> None:
    ref = channel(fresh_db, "a", 'author:"Tri Dao"')
    assert follow_store.remove_follow(fresh_db, ref, parse_follow("author:tri dao"))
    load(fresh_db, [by_dao("2606.00204", "After the unfollow")])
    await deliver(fresh_db, {"console": recorder}, BEFORE_POST)
    assert recorder.posts == []


async def test_a_crash_between_claim_and_post_neither_doubles_nor_loses(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    ref = channel(fresh_db, "a", 'author:"Tri Dao"')
    load(fresh_db, [by_dao("2606.00205", "Crash test")])
    slot = alerts.slot(BEFORE_POST.date().isoformat(), ["2606.00205"])
    # the process died after claiming, before sending: nothing on the platform
    assert deliveries.claim(fresh_db, ref, slot, ["2606.00205"])
    await deliver(fresh_db, {"console": recorder}, BEFORE_POST)
    assert [ids for _, ids, _ in alert_posts(recorder, "a")] == [["2606.00205"]]
    row = deliveries.get(fresh_db, ref, slot)
    assert row is not None and row.status == "sent" and row.attempts == 2
    # the process died after sending, before confirming: the platform has it, so it is confirmed
    load(fresh_db, [by_dao("2606.00206", "Second crash test")])
    recorder.failures["a"] = RuntimeError("connection reset")  # the send fails: released, not lost
    await deliver(fresh_db, {"console": recorder}, BEFORE_POST)
    del recorder.failures["a"]
    assert len(alert_posts(recorder, "a")) == 1
    await deliver(fresh_db, {"console": recorder}, BEFORE_POST)
    assert [ids for _, ids, _ in alert_posts(recorder, "a")] == [["2606.00205"], ["2606.00206"]]
    with fresh_db.conn:
        fresh_db.execute("UPDATE deliveries SET status = 'claimed' WHERE day LIKE 'alert:%'")
        fresh_db.execute("DELETE FROM sent_papers")
    await deliver(fresh_db, {"console": recorder}, BEFORE_POST)
    assert len(alert_posts(recorder, "a")) == 2
    assert {"2606.00205", "2606.00206"} <= deliveries.sent_paper_ids(fresh_db, ref)


async def test_an_unverifiable_claim_holds_its_papers(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    ref = channel(fresh_db, "a", 'author:"Tri Dao"')
    load(fresh_db, [by_dao("2606.00207", "Held")])
    assert deliveries.claim(fresh_db, ref, "alert:2026-06-09:unknown", ["2606.00207"])

    async def cannot_tell(*_: object) -> None:
        return None

    recorder.find_posted = cannot_tell  # type: ignore[method-assign]
    load(fresh_db, [by_dao("2606.00208", "Fresh")])
    await deliver(fresh_db, {"console": recorder}, BEFORE_POST)
    # at most once: the held paper is not put in a second alert, the fresh one goes out
    assert [ids for _, ids, _ in alert_posts(recorder, "a")] == [["2606.00208"]]


async def test_digest_mode_waits_for_the_post_time_and_the_digest_leads_with_follows(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    load(fresh_db, day_items(DAY, 5))
    ref = channel(fresh_db, "a", 'author:"Tri Dao"')
    follow_store.set_options(fresh_db, ref, alerts=follow_store.AlertMode.DIGEST)
    age_everything(fresh_db)
    # a later fetch of the day (a list replaces the day's list) brings a low-ranked paper by Tri Dao
    load(fresh_db, [*day_items(DAY, 5), by_dao("2606.00209", "Listed today", upvotes=0)])
    load(fresh_db, [by_dao("2606.00210", "Listed another day", day="2026-06-08")])
    await deliver(fresh_db, {"console": recorder}, BEFORE_POST)
    assert recorder.posts == []  # held until the channel's post time
    await deliver(fresh_db, {"console": recorder}, AFTER_POST)
    (digest_post, alert_post) = [d for _, d, _ in recorder.posts]
    assert digest_post.cards[0].arxiv_id == "2606.00209"
    assert digest_post.cards[0].followed == "new from Trí Dào"
    assert all(not c.followed for c in digest_post.cards[1:])
    # the paper the digest carried is not alerted again; the one not listed that day is
    assert [c.arxiv_id for c in alert_post.cards] == ["2606.00210"]
