"""Channel taste: votes, the learned profile, the blended digest and its `why`, `/papers up N` and `taste`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlite_utils
from typer.testing import CliRunner

from paperbot.bot import taste
from paperbot.bot.cli import app
from paperbot.bot.commands import handle
from paperbot.bot.context import Context, Defaults
from paperbot.bot.digest import build_digest
from paperbot.bot.ingest import import_batch
from paperbot.bot.models import ChannelRef, Command, ReplyKind
from paperbot.bot.sources.files import ImportBatch
from paperbot.bot.sources.hf import parse_daily
from paperbot.bot.taste_blend import WHY_EXPLORE
from paperbot.bot.taste_scorer import EXPLORE_UNTIL_LIKED, TasteScorer
from paperbot.bot.votes import cast_vote
from paperbot.storage import deliveries
from paperbot.storage import votes as vote_store
from tests.conftest import bot_env
from tests.factories import hf_item

REF = ChannelRef("slack", "C1", "T1")
OTHER = ChannelRef("slack", "C2", "T1")
QUANT = "Post-training quantization of large language models to 4-bit weights with outlier smoothing."
ROBOT = "A humanoid robot learns dexterous manipulation and locomotion from teleoperation demonstrations."


def quant(n: int, day: str, upvotes: int) -> dict[str, object]:
    return hf_item(
        f"2606.1{n:04d}", f"Quantization study {n}: 4-bit weights", QUANT, day=day, upvotes=upvotes
    )


def robot(n: int, day: str, upvotes: int) -> dict[str, object]:
    return hf_item(f"2606.2{n:04d}", f"Humanoid robot manipulation {n}", ROBOT, day=day, upvotes=upvotes)


def load(db: sqlite_utils.Database, items: list[dict[str, object]]) -> None:
    listed = parse_daily(items)
    import_batch(db, ImportBatch(papers=[lp.paper for lp in listed], listed=listed))


def two_days(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    # Day 1: what the channel voted on. Day 2: robotics trends far above quantization.
    load(
        fresh_db,
        [quant(n, "2026-06-09", 5) for n in range(3)] + [robot(n, "2026-06-09", 5) for n in range(3)],
    )
    day2 = [robot(n, "2026-06-10", 90 - n) for n in range(10, 16)] + [
        quant(n, "2026-06-10", 2) for n in range(10, 13)
    ]
    load(fresh_db, day2)
    return fresh_db


@pytest.fixture
def db(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    return two_days(fresh_db)


def digest_ids(db: sqlite_utils.Database, ref: ChannelRef = REF, topics: tuple[str, ...] = ()) -> list[str]:
    digest = build_digest(
        db, ref, "2026-06-10", size=3, topics=topics, skip_sent=False, taste=TasteScorer(db)
    )
    return [c.arxiv_id for c in digest.cards]


def is_quant(paper_id: str) -> bool:
    return paper_id.startswith("2606.1")


def test_three_votes_move_the_digest_of_that_channel_only(db: sqlite_utils.Database) -> None:
    assert not any(is_quant(p) for p in digest_ids(db))  # trending: all robotics
    for n, user in enumerate(("ana", "bo", "chen")):
        assert cast_vote(db, REF, f"2606.1{n:04d}", user, 1, toggle=True).kind is ReplyKind.SUCCESS
    assert all(is_quant(p) for p in digest_ids(db))
    assert not any(is_quant(p) for p in digest_ids(db, OTHER))  # votes are per channel
    digest = build_digest(db, REF, "2026-06-10", size=3, skip_sent=False, taste=TasteScorer(db))
    assert digest.cards[0].why.startswith("like “Quantization study")
    assert digest.cards[0].matched_topics == ()


def test_one_member_voting_down_everything_does_not_wreck_it(db: sqlite_utils.Database) -> None:
    for n in range(3):
        cast_vote(db, REF, f"2606.1{n:04d}", "ana", 1, toggle=True)
    every = [f"2606.1{n:04d}" for n in range(3)] + [f"2606.2{n:04d}" for n in range(3)]
    every += [f"2606.1{n:04d}" for n in range(10, 13)]
    for paper in every:
        cast_vote(db, REF, paper, "troll", -1, toggle=True)
    assert sum(1 for p in digest_ids(db) if is_quant(p)) >= 2


def test_person_cap_weights() -> None:
    votes = [taste.Vote(f"p{n}", "troll", -1) for n in range(60)] + [taste.Vote("q", "ana", 1)]
    weights = taste.vote_weights(votes)
    assert sum(weights[:60]) == pytest.approx(taste.PERSON_CAP)
    assert weights[-1] == 1.0


def test_votes_toggle_change_and_clear(db: sqlite_utils.Database) -> None:
    paper = "2606.10000"
    assert "👍 on" in cast_vote(db, REF, paper, "ana", 1, toggle=True).text
    assert vote_store.vote_of(db, REF, paper, "ana") == 1
    assert "withdrawn" in cast_vote(db, REF, paper, "ana", 1, toggle=True).text
    assert vote_store.vote_of(db, REF, paper, "ana") == 0
    cast_vote(db, REF, paper, "ana", 1, toggle=True)
    cast_vote(db, REF, paper, "ana", -1, toggle=True)
    assert vote_store.vote_of(db, REF, paper, "ana") == -1
    assert "already" in cast_vote(db, REF, paper, "ana", -1, toggle=False).text  # the CLI sets, never toggles
    assert vote_store.vote_of(db, REF, paper, "ana") == -1
    assert "withdrawn" in cast_vote(db, REF, paper, "ana", 0, toggle=False).text
    assert vote_store.channel_votes(db, REF) == []


@pytest.mark.parametrize(
    ("paper", "user", "message"),
    [
        ("2606.99999", "ana", "not in this bot's archive"),
        ("2606.10000; DROP TABLE votes", "ana", "does not name a paper"),
        ("<!channel>", "ana", "does not name a paper"),
        ("2606.10000", "", "who cast it"),
        ("2606.10000", "a\nb", "who cast it"),
        ("2606.10000", "\udcff", "who cast it"),  # an undecodable byte on the command line
    ],
)
def test_bad_votes_change_nothing(db: sqlite_utils.Database, paper: str, user: str, message: str) -> None:
    reply = cast_vote(db, REF, paper, user, 1, toggle=True)
    assert reply.kind is ReplyKind.ERROR and message in reply.text
    assert db.execute("SELECT count(*) FROM votes").fetchone()[0] == 0


def test_papers_up_n_taste_and_reset(db: sqlite_utils.Database) -> None:
    ctx = Context(db, Defaults(), now=lambda: datetime(2026, 6, 10, 12, tzinfo=UTC))

    def run(text: str, manage: bool = True) -> tuple[str, ReplyKind]:
        reply = handle(ctx, Command(REF, "U1", text, user_can_manage=manage))
        return reply.text, reply.kind

    assert "vote after a digest or a search" in run("/papers up 1".removeprefix("/papers "))[0]
    run("quantization")  # a search: its cards are what "1" and "2" mean for U1
    shown = ctx.last_shown[(REF.key, "U1")][1]
    assert is_quant(shown[0])
    text, kind = run("up 1")
    assert kind is ReplyKind.SUCCESS and vote_store.vote_of(db, REF, shown[0], "U1") == 1
    assert run("👍 1")[0].startswith("Vote withdrawn")
    run("👍 1")
    run("down 2")
    assert vote_store.vote_of(db, REF, shown[1], "U1") == -1
    assert "no card 9" in run("up 9")[0]
    assert "say which card" in run("up first")[0]
    for odd in ("up ²", "down ¹", "up " + "1" * 5000):  # int() refuses "²" and over 4,300 digits
        assert run(odd)[1] is ReplyKind.ERROR
    summary, _ = run("taste")
    assert "1 👍 and 1 👎 from 1 person" in summary and "Leans towards:" in summary
    text, kind = run("taste reset", manage=False)
    assert kind is ReplyKind.ERROR and len(vote_store.channel_votes(db, REF)) == 2
    text, kind = run("taste reset")
    assert kind is ReplyKind.SUCCESS and "2 vote(s)" in text and vote_store.channel_votes(db, REF) == []
    assert run("taste")[0].startswith("No votes yet")


def test_cli_vote_and_digest_json_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bot_env(monkeypatch, tmp_path)
    day = tmp_path / "2026-06-10.json"
    day.write_text(
        json.dumps(
            [quant(n, "2026-06-10", 2) for n in range(3)] + [robot(n, "2026-06-10", 50) for n in range(4)]
        )
    )
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(day)]).exit_code == 0

    def preview() -> list[dict[str, object]]:
        result = runner.invoke(app, ["digest", "--channel", "slack:C9", "--date", "2026-06-10", "--json"])
        assert result.exit_code == 0
        return json.loads(result.stdout)["papers"]  # type: ignore[no-any-return]

    before = preview()
    assert {p["why"] for p in before} == {"trending"} and all("matched_topics" in p for p in before)
    for paper, value, user in [
        ("2606.10000", "up", "ana"),
        ("2606.10001", "up", "bo"),
        ("2606.20000", "down", "cli"),
    ]:
        args = ["vote", "--channel", "slack:C9", "--paper", paper, value, "--user", user]
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and ("👍" if value == "up" else "👎") in result.stdout
    after = preview()
    # The one quantization paper nobody voted on now leads; the liked ones are not offered again.
    assert after[0]["arxiv_id"] == "2606.10002" and str(after[0]["why"]).startswith(
        "like “Quantization study"
    )
    assert not {"2606.10000", "2606.10001"} & {p["arxiv_id"] for p in after}
    bad = runner.invoke(app, ["vote", "--channel", "slack:C9", "--paper", "2606.77777", "up"])
    assert bad.exit_code == 2 and "not in this bot's archive" in bad.stderr
    bad = runner.invoke(app, ["vote", "--channel", "slack:C9", "--paper", "2606.10000", "sideways"])
    assert bad.exit_code == 2 and "up, down or clear" in bad.stderr
    for channel in ("foo:bar", "console:" + "x" * 5000, "slack:C 9", "discord:"):
        bad = runner.invoke(app, ["vote", "--channel", channel, "--paper", "2606.10002", "up"])
        assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1, channel
        assert "x" * 200 not in bad.stderr
    assert preview() == after  # nothing was recorded


def test_up_n_means_the_channels_last_digest_until_the_person_sees_something_newer(
    db: sqlite_utils.Database,
) -> None:
    ctx = Context(db, Defaults())  # the real clock: the ledger stamps deliveries with it too
    deliveries.claim(db, REF, "2026-06-10", ["2606.20010", "2606.10010", "2606.20011"])
    deliveries.confirm(db, REF, "2026-06-10", ["m1"])

    def run(text: str) -> ReplyKind:
        return handle(ctx, Command(REF, "U7", text)).kind

    assert run("down 1") is ReplyKind.SUCCESS and run("up 2") is ReplyKind.SUCCESS
    assert vote_store.vote_of(db, REF, "2606.20010", "U7") == -1
    assert vote_store.vote_of(db, REF, "2606.10010", "U7") == 1
    assert run("up 4") is ReplyKind.ERROR  # the digest had 3 cards
    run("quantization")  # a search shown to U7 after the digest: now "1" is its first result
    first = ctx.last_shown[(REF.key, "U7")][1][0]
    assert first != "2606.20010" and run("up 1") is ReplyKind.SUCCESS
    assert vote_store.vote_of(db, REF, first, "U7") == 1
    assert vote_store.vote_of(db, OTHER, first, "U7") == 0


def test_cards_shown_without_a_vote_count_as_weak_downvotes() -> None:
    known = {"liked", "shown", "disliked"}
    votes = [taste.Vote("liked", "ana", 1), taste.Vote("disliked", "bo", -1)]
    profile = taste.learn(votes, known, seen=["liked", "shown", "unknown"])
    assert profile.coefficients["liked"] == pytest.approx(1.0)  # a vote wins over "shown"
    shown, disliked = profile.coefficients["shown"], profile.coefficients["disliked"]
    assert disliked < shown < 0 and shown / disliked == pytest.approx(taste.UNVOTED_WEIGHT)
    assert "unknown" not in profile.coefficients and (profile.up, profile.down) == (1, 1)


def test_a_minor_liked_area_pulls_more_than_its_share_of_likes() -> None:
    # Three 👍 in one area and one in another: linearly the lone one would pull a quarter; grouped into
    # areas, each area pulls by the square root of its likes, so the minor interest is not drowned.
    votes = [taste.Vote(p, "ana", 1) for p in ("a1", "a2", "a3", "b1")]
    known = {"a1", "a2", "a3", "b1"}

    def neighbours(x: str) -> set[str]:
        return {y for y in known if y[0] == x[0] and y != x}

    plain = taste.learn(votes, known)
    grouped = taste.learn(votes, known, neighbours=neighbours)
    assert plain.coefficients["b1"] == pytest.approx(0.25)
    assert grouped.coefficients["b1"] == pytest.approx(1 / (3**0.5 + 1))
    assert grouped.coefficients["a1"] == pytest.approx(3**0.5 / (3**0.5 + 1) / 3)
    assert sum(grouped.coefficients.values()) == pytest.approx(1.0)
    assert [sorted(a) for a in taste.areas(["a1", "b1", "a2"], neighbours)] == [["a1", "a2"], ["b1"]]
    # 👎 likewise: three in one area and one in another.
    downs = [taste.Vote(p, "bo", -1) for p in ("a1", "a2", "a3", "b1")]
    pushed = taste.learn(downs, known, neighbours=neighbours).coefficients
    assert pushed["b1"] == pytest.approx(-taste.NEGATIVE_SHARE / (3**0.5 + 1))
    assert taste.learn(downs, known).coefficients["b1"] == pytest.approx(-taste.NEGATIVE_SHARE / 4)
    # Linked one way round only (a paper read after the other's neighbours were listed): still one area.
    assert len(taste.areas(["a1", "a2"], lambda x: {"a2"} if x == "a1" else set())) == 1


def test_liked_papers_sharing_words_are_one_area_and_areas_are_balanced(db: sqlite_utils.Database) -> None:
    # The scorer links liked papers by their text: two quantization papers are one area, a robot paper
    # another.
    scorer = TasteScorer(db)
    ids = ["2606.10001", "2606.10002", "2606.20001"]
    scorer.vectors(ids)
    assert sorted(sorted(a) for a in taste.areas(ids, scorer._neighbours)) == [ids[:2], ids[2:]]
    # Three 👍 on quantization, one on robots: the robot area pulls by the square root of its size, unless
    # the channel follows topics (they already pull towards each interest).
    for paper in ("2606.10000", "2606.10001", "2606.10002", "2606.20001"):
        cast_vote(db, REF, paper, "ana", 1, toggle=True)
    balanced = scorer.profile(REF).coefficients["2606.20001"]
    assert balanced == pytest.approx(1 / (3**0.5 + 1))
    assert scorer.profile(REF, by_area=False).coefficients["2606.20001"] == pytest.approx(0.25)


def test_a_channel_that_liked_little_is_shown_something_different(db: sqlite_utils.Database) -> None:
    # Three 👍 on quantization: of five cards, three are the channel's best guesses (quantization) and two
    # explore, unlike anything it voted on, and say so instead of claiming "trending" or "like ...".
    for n, user in enumerate(("ana", "bo", "chen")):
        cast_vote(db, REF, f"2606.1{n:04d}", user, 1, toggle=True)
    digest = build_digest(db, REF, "2026-06-10", size=5, skip_sent=False, taste=TasteScorer(db))
    cards = digest.cards
    assert [is_quant(c.arxiv_id) for c in cards] == [True, True, True, False, False]
    assert all(c.why == WHY_EXPLORE for c in cards[3:]) and all(c.why.startswith("like") for c in cards[:3])
    # A channel following topics has them to go on: no exploring.
    topical = build_digest(
        db, REF, "2026-06-10", size=5, topics=("quantization",), skip_sent=False, taste=TasteScorer(db)
    )
    assert WHY_EXPLORE not in {c.why for c in topical.cards}


def test_exploring_stops_once_the_channel_liked_enough(db: sqlite_utils.Database) -> None:
    liked = [f"2606.1{n:04d}" for n in range(3)] + [f"2606.2{n:04d}" for n in range(3)]
    pool = {paper: pk for pk, paper in enumerate(liked)}
    for count, paper in enumerate(liked[:EXPLORE_UNTIL_LIKED], 1):
        cast_vote(db, REF, paper, "ana", 1, toggle=True)
        view = TasteScorer(db)(REF, pool, ())
        assert view is not None and bool(view.novelty) is (count < EXPLORE_UNTIL_LIKED)


def test_exploring_never_brings_what_was_sent_or_excluded(db: sqlite_utils.Database) -> None:
    cast_vote(db, REF, "2606.10000", "ana", 1, toggle=True)
    robots = [f"2606.2{n:04d}" for n in range(10, 16)]
    assert deliveries.claim(db, REF, "2026-06-09", robots[:3])
    deliveries.confirm(db, REF, "2026-06-09", ["m0"])
    digest = build_digest(db, REF, "2026-06-10", size=5, topics=(), skip_sent=True, taste=TasteScorer(db))
    shown = [c.arxiv_id for c in digest.cards]
    assert not set(shown) & set(robots[:3]) and len(shown) == 5
    assert sum(1 for c in digest.cards if c.why == WHY_EXPLORE) == 4  # one paper liked: four cards explore


def test_plurals_fold_and_the_hf_summary_counts() -> None:
    assert taste.words("Agents and agent; analysis of bus routes") == [
        "agent",
        "agent",
        "analysis",
        "bus",
        "route",
    ]
    with_summary = taste.paper_terms("A title", "An abstract.", (), "Speculative decoding for agents")
    assert with_summary["speculative decoding"] == taste.SUMMARY_WEIGHT
    assert "speculative" not in taste.paper_terms("A title", "An abstract.")
