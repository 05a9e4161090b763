"""The weekly roll-up with a fixed clock: once per channel and ISO week through the daily ledger, across
restarts and DST, a long outage folded into one post, and never what the channel already got that week."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from paperbot.bot import weekly
from paperbot.bot.commands import handle
from paperbot.bot.context import Context, Defaults
from paperbot.bot.ingest import import_batch
from paperbot.bot.models import ChannelRef, Command, ReplyKind
from paperbot.bot.sources.files import ImportBatch
from paperbot.bot.sources.hf import parse_daily
from paperbot.storage import channels as channel_store
from paperbot.storage import deliveries
from tests.conftest import RecordingAdapter, deliver
from tests.factories import hf_item

REF = ChannelRef("console", "weekly")
BERLIN_FRI_1605 = datetime(2026, 6, 19, 14, 5, tzinfo=UTC)  # Fri 19 Jun 16:05 Europe/Berlin: W25


def list_day(db: sqlite_utils.Database, day: date, papers: int = 6, votes: int = 10) -> list[str]:
    """A generated Hugging Face list for `day`; its paper ids."""
    stamp = day.strftime("%y%m.%d")
    items = [
        hf_item(
            f"{stamp}{n:03d}",
            f"Paper {stamp}-{n} on robots",
            "Robots walk.",
            day=day.isoformat(),
            upvotes=votes + n,
        )
        for n in range(papers)
    ]
    listed = parse_daily(items)
    import_batch(db, ImportBatch(papers=[lp.paper for lp in listed], listed=listed))
    return [lp.paper.id for lp in listed]


def list_weeks(db: sqlite_utils.Database, first_monday: date, weeks: int) -> None:
    for offset in range(weeks * 7):
        day = first_monday + timedelta(days=offset)
        if day.weekday() < 5:
            list_day(db, day)


def command(db: sqlite_utils.Database, text: str, now: datetime) -> tuple[str, ReplyKind]:
    ctx = Context(db, Defaults(), now=lambda: now)
    reply = handle(ctx, Command(REF, "U1", text))
    return reply.text, reply.kind


def weekly_channel(
    db: sqlite_utils.Database,
    text: str = "schedule weekly Fri 16:00 Europe/Berlin",
    since: datetime = datetime(2026, 6, 1, tzinfo=UTC),
) -> None:
    answer, kind = command(db, text, since)
    assert kind == ReplyKind.SUCCESS, answer


def slots(db: sqlite_utils.Database) -> dict[str, str]:
    rows = db.execute("SELECT day, status FROM deliveries WHERE channel_key = ?", [REF.key]).fetchall()
    return dict(rows)


def test_week_labels() -> None:
    assert weekly.parse_week("2026-W25") == date(2026, 6, 15)
    assert weekly.week_label(date(2026, 6, 21)) == "2026-W25"
    assert weekly.slot(date(2026, 6, 15)) == "week:2026-W25"
    for bad in ("2026-W54", "2026W25", "26-W1", "2026-Wx", ""):
        with pytest.raises(ValueError, match="ISO week"):
            weekly.parse_week(bad)


def test_schedule_weekly_and_back_to_daily(fresh_db: sqlite_utils.Database) -> None:
    weekly_channel(fresh_db)
    settings = channel_store.get_channel(fresh_db, REF)
    assert settings is not None and settings.weekly
    assert (settings.days, settings.post_time, settings.timezone) == ("fri", "16:00", "Europe/Berlin")
    topics, _ = command(fresh_db, "topics", BERLIN_FRI_1605)
    assert "Weekly roll-up: 5 papers, Fri 16:00 Europe/Berlin" in topics
    before = fresh_db.execute("SELECT * FROM channels").fetchall()
    for bad in (
        "schedule weekly",
        "schedule weekly Fri",
        "schedule weekly Funday 16:00",
        "schedule weekly Fri 25:00",
        "schedule weekly Fri 16:00 Mars/Base",
    ):
        _, kind = command(fresh_db, bad, BERLIN_FRI_1605)
        assert kind == ReplyKind.ERROR, bad
    assert fresh_db.execute("SELECT * FROM channels").fetchall() == before
    assert command(fresh_db, "schedule 08:30 daily", BERLIN_FRI_1605)[1] == ReplyKind.SUCCESS
    settings = channel_store.get_channel(fresh_db, REF)
    assert settings is not None and not settings.weekly
    assert (settings.days, settings.post_time, settings.timezone) == ("daily", "08:30", "Europe/Berlin")
    weekly_channel(fresh_db)
    assert command(fresh_db, "schedule 07:00", BERLIN_FRI_1605)[1] == ReplyKind.SUCCESS
    settings = channel_store.get_channel(fresh_db, REF)
    assert settings is not None and (settings.cadence, settings.days) == ("daily", "weekdays")


async def test_one_post_per_week_through_the_ledger(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    list_weeks(fresh_db, date(2026, 6, 8), 3)
    weekly_channel(fresh_db, since=datetime(2026, 6, 15, 8, 0, tzinfo=UTC))  # after W24's post time
    adapters = {"console": recorder}
    await deliver(fresh_db, adapters, BERLIN_FRI_1605 - timedelta(minutes=10))  # 15:55 local: not yet
    assert recorder.posts == [] and slots(fresh_db) == {}
    await deliver(fresh_db, adapters, BERLIN_FRI_1605)
    await deliver(fresh_db, adapters, BERLIN_FRI_1605)  # a second pass at the same instant
    await deliver(fresh_db, adapters, BERLIN_FRI_1605 + timedelta(hours=30))  # Saturday: same week
    assert len(recorder.posts) == 1
    _, digest, token = recorder.posts[0]
    assert token.endswith("week:2026-W25")
    assert digest.title.startswith("Your week in AI papers · 2026-W25 (15 Jun – 21 Jun 2026)")
    in_week = {
        pid
        for n in range(7)
        for pid in _ids_on(fresh_db, (date(2026, 6, 15) + timedelta(days=n)).isoformat())
    }
    assert len(digest.cards) == 5 and {c.arxiv_id for c in digest.cards} <= in_week
    assert slots(fresh_db) == {"week:2026-W25": deliveries.Status.SENT}  # and no daily digests
    await deliver(fresh_db, adapters, BERLIN_FRI_1605 + timedelta(days=7))
    assert [t.rsplit(":", 1)[-1] for _, _, t in recorder.posts] == ["2026-W25", "2026-W26"]


def _ids_on(db: sqlite_utils.Database, day: str) -> set[str]:
    return {r[0] for r in db.execute("SELECT paper_id FROM daily WHERE day = ?", [day]).fetchall()}


async def test_a_two_week_outage_is_one_post(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    list_weeks(fresh_db, date(2026, 6, 1), 4)
    weekly_channel(fresh_db)
    adapters = {"console": recorder}
    await deliver(fresh_db, adapters, datetime(2026, 6, 5, 14, 5, tzinfo=UTC))  # W23, on time
    assert len(recorder.posts) == 1
    # down from then until Fri 26 Jun 17:00 Berlin: W24, W25 and W26 are owed
    back = datetime(2026, 6, 26, 15, 0, tzinfo=UTC)
    await deliver(fresh_db, adapters, back)
    await deliver(fresh_db, adapters, back + timedelta(minutes=5))
    assert len(recorder.posts) == 2
    _, digest, token = recorder.posts[1]
    assert token.endswith("week:2026-W26") and "covers 3 weeks" in digest.note
    assert digest.title.startswith("Your weeks in AI papers · 2026-W24 to 2026-W26")
    assert slots(fresh_db) == {
        "week:2026-W23": deliveries.Status.SENT,
        "week:2026-W24": deliveries.Status.CAUGHT_UP,
        "week:2026-W25": deliveries.Status.CAUGHT_UP,
        "week:2026-W26": deliveries.Status.SENT,
    }
    first_posted = {c.arxiv_id for c in recorder.posts[0][1].cards}
    assert not first_posted & {c.arxiv_id for c in digest.cards}


@pytest.mark.parametrize(
    ("first", "early", "late", "monday"),
    [
        # Sun 25 Oct 2026, 02:30 Berlin happens twice (00:30 and 01:30 UTC): one post.
        (
            datetime(2026, 10, 25, 0, 31, tzinfo=UTC),
            datetime(2026, 10, 25, 0, 29, tzinfo=UTC),
            datetime(2026, 10, 25, 1, 31, tzinfo=UTC),
            date(2026, 10, 19),
        ),
        # Sun 29 Mar 2026, 02:30 Berlin never happens: the post goes at 03:30 CEST (01:30 UTC), once.
        (
            datetime(2026, 3, 29, 1, 31, tzinfo=UTC),
            datetime(2026, 3, 29, 1, 29, tzinfo=UTC),
            datetime(2026, 3, 29, 2, 31, tzinfo=UTC),
            date(2026, 3, 23),
        ),
    ],
)
async def test_dst_changes_post_once(
    fresh_db: sqlite_utils.Database,
    recorder: RecordingAdapter,
    first: datetime,
    early: datetime,
    late: datetime,
    monday: date,
) -> None:
    list_weeks(fresh_db, monday, 1)
    weekly_channel(
        fresh_db,
        "schedule weekly Sun 02:30 Europe/Berlin",
        since=datetime.combine(monday, datetime.min.time(), UTC),
    )
    adapters = {"console": recorder}
    await deliver(fresh_db, adapters, early)
    assert recorder.posts == []
    await deliver(fresh_db, adapters, first)
    await deliver(fresh_db, adapters, late)
    assert [t.rsplit(":", 1)[-1] for _, _, t in recorder.posts] == [weekly.week_label(monday)]


class CrashAfterSend(RecordingAdapter):
    """Posts, then dies before the ledger hears of it (as a SIGKILL between send and confirm would)."""

    crash = True

    async def post(self, ref: ChannelRef, digest: object, key: object) -> list[str]:  # type: ignore[override]
        ids = await super().post(ref, digest, key)  # type: ignore[arg-type]
        if self.crash:
            self.crash = False
            raise asyncio.CancelledError
        return ids


async def test_a_crash_between_send_and_confirm_never_posts_twice(fresh_db: sqlite_utils.Database) -> None:
    list_weeks(fresh_db, date(2026, 6, 15), 1)
    weekly_channel(fresh_db, since=datetime(2026, 6, 15, tzinfo=UTC))
    adapter = CrashAfterSend()
    await deliver(fresh_db, {"console": adapter}, BERLIN_FRI_1605)
    assert len(adapter.posts) == 1 and slots(fresh_db) == {"week:2026-W25": deliveries.Status.CLAIMED}
    await deliver(fresh_db, {"console": adapter}, BERLIN_FRI_1605 + timedelta(minutes=5))  # the restart
    assert len(adapter.posts) == 1 and slots(fresh_db) == {"week:2026-W25": deliveries.Status.SENT}


async def test_never_repeats_what_the_channel_got_that_week_unless_asked(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    list_weeks(fresh_db, date(2026, 6, 15), 1)
    weekly_channel(fresh_db, since=datetime(2026, 6, 15, tzinfo=UTC))
    full = weekly.build_week(fresh_db, REF, [date(2026, 6, 15)], size=3)
    got = [c.arxiv_id for c in full.cards[:2]]
    # Tuesday's daily digest (before the switch to weekly) already brought the top two
    assert deliveries.claim(fresh_db, REF, "2026-06-16", got)
    deliveries.confirm(fresh_db, REF, "2026-06-16", ["m0"])
    await deliver(fresh_db, {"console": recorder}, BERLIN_FRI_1605)
    ((_, digest, _),) = recorder.posts
    assert not set(got) & {c.arxiv_id for c in digest.cards} and len(digest.cards) == 5
    assert command(fresh_db, "weekly all", BERLIN_FRI_1605)[1] == ReplyKind.SUCCESS
    again = weekly.build_week(fresh_db, REF, [date(2026, 6, 15)], size=3, repeat=True)
    assert [c.arxiv_id for c in again.cards[:2]] == got
    assert command(fresh_db, "weekly sometimes", BERLIN_FRI_1605)[1] == ReplyKind.ERROR


def test_preview_ranks_by_the_weeks_own_upvotes(
    fresh_db: sqlite_utils.Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from paperbot.bot.cli import app
    from tests.conftest import bot_env

    db_path = bot_env(monkeypatch, tmp_path)
    runner = CliRunner()

    def import_day(day: str, items: list[dict[str, object]]) -> None:
        path = tmp_path / f"{day}.json"
        path.write_text(json.dumps(items))
        assert runner.invoke(app, ["import", str(path), "--date", day]).exit_code == 0

    rising = "2606.20001"
    import_day(
        "2026-06-15",
        [
            hf_item(rising, "Rising", "R.", day="2026-06-15", upvotes=5),
            hf_item("2606.20002", "Steady", "S.", day="2026-06-15", upvotes=30),
        ],
    )
    import_day("2026-06-18", [hf_item(rising, "Rising", "R.", day="2026-06-18", upvotes=40)])
    # the next week it took off: the W25 roll-up must not know that
    import_day("2026-06-23", [hf_item("2606.20002", "Steady", "S.", day="2026-06-23", upvotes=900)])
    result = runner.invoke(app, ["digest", "--channel", "slack:C1", "--week", "2026-W25", "--json"])
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert [(p["arxiv_id"], p["upvotes"]) for p in shown["papers"]] == [(rising, 40), ("2606.20002", 30)]
    assert shown["title"].startswith("Your week in AI papers · 2026-W25")
    bad = runner.invoke(app, ["digest", "--channel", "slack:C1", "--week", "2026-W60"])
    assert bad.exit_code != 0 and "ISO week" in bad.stderr
    both = runner.invoke(
        app, ["digest", "--channel", "slack:C1", "--week", "2026-W25", "--date", "2026-06-15"]
    )
    assert both.exit_code != 0 and "exactly one" in both.stderr
    assert db_path.exists()


async def test_back_to_daily_owes_no_catch_up_for_the_weekly_weeks(
    fresh_db: sqlite_utils.Database, recorder: RecordingAdapter
) -> None:
    list_weeks(fresh_db, date(2026, 6, 8), 2)
    weekly_channel(fresh_db, since=datetime(2026, 6, 1, tzinfo=UTC))
    switch = datetime(2026, 6, 17, 10, 0, tzinfo=UTC)  # Wed, after 09:00 Berlin
    assert command(fresh_db, "schedule 09:00 weekdays", switch)[1] == ReplyKind.SUCCESS
    await deliver(fresh_db, {"console": recorder}, switch + timedelta(minutes=5))
    await deliver(fresh_db, {"console": recorder}, datetime(2026, 6, 18, 7, 5, tzinfo=UTC))  # Thu 09:05
    tokens = [t.removeprefix(f"paperbot:{REF.key}:") for _, _, t in recorder.posts]
    assert tokens == ["2026-06-17", "2026-06-18"], slots(fresh_db)  # no "catchup:" for its weekly days
    assert all(not d.startswith(("catchup:", "week:")) for d in slots(fresh_db))
