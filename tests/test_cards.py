"""Cards people would rather read: thumbnails, the age of old papers, project pages, "+N more", counts as
of the day shown, and `/papers today` saying when its list is not today's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlite_utils

from paperbot.adapters.discord import render as discord_render
from paperbot.adapters.slack import render as slack_render
from paperbot.bot.cards import published_label, to_card
from paperbot.bot.commands import handle
from paperbot.bot.context import Context, Defaults
from paperbot.bot.digest import build_digest
from paperbot.bot.ingest import import_batch
from paperbot.bot.models import ChannelRef, Command, Digest, Paper, Reply, ReplyKind
from paperbot.bot.sources.files import ImportBatch
from paperbot.bot.sources.hf import parse_daily, parse_item
from paperbot.storage import channels as channel_store
from tests import examples
from tests.conftest import shared_data
from tests.factories import hf_item, thumbnail_url
from tests.fakes import discord_rules, slack_rules

REF = ChannelRef("slack", "C1", "T1")


def store(db: sqlite_utils.Database, items: list[dict[str, object]], day: str | None = None) -> None:
    listed = parse_daily(items, day)
    import_batch(db, ImportBatch(papers=[lp.paper for lp in listed], listed=listed))


def day_of(n: int, day: str, **kw: object) -> list[dict[str, object]]:
    return [
        hf_item(f"2606.{i:05d}", f"Paper {i} on robots", "Robots walk.", day=day, upvotes=100 - i, **kw)  # type: ignore[arg-type]
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("thumbnail", "kept"),
    [
        (thumbnail_url("2606.00001"), True),
        ("http://cdn.example/x.png", False),  # images are fetched by every reader's client: https only
        ("javascript:alert(1)", False),
        ("https://cdn.example/<!channel>.png", False),
        ("https://cdn.example/a.png|<@U1>", False),
        (["https://cdn.example/a.png"], False),
        (12, False),
    ],
)
def test_thumbnail_is_checked_at_the_border(thumbnail: object, kept: bool) -> None:
    item = hf_item("2606.00001", "A paper", "An abstract.")
    item["thumbnail"] = thumbnail
    paper = parse_item(item)  # a bad thumbnail never costs the paper
    assert paper.title == "A paper"
    assert (paper.thumbnail == thumbnail) is kept and (paper.thumbnail is None) is not kept
    card = to_card(paper)
    assert (card.thumbnail_url is not None) is kept


def test_old_papers_show_their_arxiv_month() -> None:
    # Hugging Face's publishedAt for 2502.16886 is its listing day (2026-06-26); the id says Feb 2025.
    assert published_label("2502.16886", "2026-06-26", "2026-06-30") == "Feb 2025"
    assert published_label("2606.26740", "2026-06-26", "2026-06-30") == ""
    assert published_label("2605.00001", None, "2026-06-30") == "May 2026"  # at least 30 days old
    assert published_label("2606.00001", None, "2026-07-01") == ""
    assert published_label("hep-th/9901001", "1999-01-05", "2026-06-30") == "Jan 1999"
    assert published_label("file-1", "2026-13-45", "2026-06-30") == ""
    card = to_card(Paper("2502.16886", "ReFreeKV", "KV cache."), day="2026-06-30")
    assert card.published == "Feb 2025" and card.stats().startswith("🗓 Feb 2025")


def test_a_project_page_that_is_the_code_repository_is_one_link() -> None:
    repo = "https://github.com/eadst/KDD-2026-MapAgent"
    same = Paper("2606.04513", "MapAgent", "Maps.", github_repo=repo, project_page=repo)
    card = to_card(same)
    assert card.code_url == repo and card.project_url is None
    other = to_card(
        Paper("2606.04513", "MapAgent", "Maps.", github_repo=repo, project_page="https://mapagent.io")
    )
    assert other.code_url == repo and other.project_url == "https://mapagent.io"


def test_recorded_day_renders_within_limits_on_both_platforms() -> None:
    digest = examples.example_digest(shared_data())
    cards = digest.cards
    listed = len(json.loads((shared_data() / "hf_daily_papers" / "2026-06-30.json").read_text()))
    assert digest.more == listed - len(cards) and digest.more_text == f"+{listed - 5} more on today's list"
    assert digest.more_url == "https://huggingface.co/papers/date/2026-06-30"
    assert cards[0].arxiv_id == "2502.16886" and cards[0].published == "Feb 2025"
    assert all(c.published == "" for c in cards[1:])
    assert all(c.thumbnail_url and c.thumbnail_url.startswith("https://cdn-thumbnails.") for c in cards)
    with_project = [c for c in cards if c.project_url]
    assert with_project

    slack = slack_render.digest_messages(digest)
    assert len(slack) == 1
    blocks = slack[0]["blocks"]
    assert slack_rules.block_errors(blocks) == []
    images = [b for b in blocks if b["type"] == "image"]
    assert [b["image_url"] for b in images] == [cards[0].thumbnail_url]  # one picture: the lead paper's
    icons = [e for b in blocks if b["type"] == "context" for e in b["elements"] if e["type"] == "image"]
    assert [e["image_url"] for e in icons] == [c.thumbnail_url for c in cards[1:]]
    text = json.dumps(blocks)
    links = [target for b in blocks for target, _ in slack_rules.live_links(json.dumps(b))]
    assert all(c.project_url in links for c in with_project)
    assert slack_rules.live_links(blocks[-1]["elements"][0]["text"])[-1] == (
        digest.more_url,
        digest.more_text,
    )
    assert "Feb 2025" in text and not slack_rules.PING.search(text)

    discord = examples.discord_payload(digest)
    for message in discord:
        assert discord_rules.embed_errors(message["embeds"], message["content"]) == []
    embeds = [e for m in discord for e in m["embeds"]]
    assert [e["thumbnail"]["url"] for e in embeds] == [c.thumbnail_url for c in cards]
    last_links = discord_rules.live_links(embeds[-1]["description"])
    assert last_links[-1] == (digest.more_text, digest.more_url)
    assert all(
        any(url == c.project_url for _, url in discord_rules.live_links(e["description"]))
        for c, e in zip(cards, embeds, strict=True)
        if c.project_url
    )


def test_examples_in_docs_are_what_the_renderers_produce() -> None:
    digest = examples.example_digest(shared_data())
    assert examples.SLACK_FILE.read_text() == examples.dump(examples.slack_payload(digest)), (
        "docs/examples is stale: run python -m tests.examples"
    )
    assert examples.DISCORD_FILE.read_text() == examples.dump(examples.discord_payload(digest))


def test_the_largest_digest_with_hostile_links_stays_within_limits() -> None:
    hostile = Paper(
        "2606.99999",
        "<!channel> **bold** [x](https://evil.example) " + "long " * 60,
        "@everyone <@U1> " + "Abstract. " * 300,
        authors=tuple(f"Author {n}" for n in range(200)),
        project_page="https://proj.example/<!here>",
        thumbnail="https://cdn.example/" + "a" * 1990,
        organization="<@U2>",
    )
    plain = [
        Paper(
            f"2606.{n:05d}",
            f"Paper {n} " + "long title " * 40,
            "Abstract. " * 200,
            project_page="https://example.org/p",
            thumbnail=thumbnail_url(f"2606.{n:05d}"),
        )
        for n in range(19)
    ]
    cards = tuple(to_card(p, day="2026-06-30") for p in [*plain, hostile])
    assert cards[-1].project_url is None  # a project page carrying markup is no link
    digest = Digest(
        "Big",
        "2026-06-30",
        cards,
        "footer",
        note="n" * 3000,
        more=80,
        more_url="https://huggingface.co/papers/date/2026-06-30",
    )
    for message in slack_render.digest_messages(digest, per_message=slack_render.MAX_CARDS):
        assert slack_rules.block_errors(message["blocks"]) == []
        assert not slack_rules.PING.search(json.dumps(message["blocks"]))
    payload = slack_render.reply_payload(Reply("x", digest=digest, query="q", more=True))
    assert slack_rules.block_errors(payload["blocks"]) == []
    sent = discord_render.digest_messages(digest, marker="m" * 40)
    for message in sent:
        as_dict = {"content": message.content, "embeds": [e.to_dict() for e in message.embeds]}
        assert discord_rules.embed_errors(as_dict["embeds"], message.content) == []
        assert discord_rules.mentions({**as_dict, "allowed_mentions": {"parse": ["everyone"]}}) == []
    assert sum(len(m.embeds) for m in sent) == 20


@pytest.fixture
def ctx(fresh_db: sqlite_utils.Database) -> Context:
    store(fresh_db, day_of(12, "2026-06-30"))
    return Context(fresh_db, Defaults(), now=lambda: datetime(2026, 11, 27, 12, 0, tzinfo=UTC))


def test_images_off_and_on(ctx: Context) -> None:
    def today_cards() -> list[str | None]:
        reply = handle(ctx, Command(REF, "U1", "today"))
        assert reply.digest is not None
        return [c.thumbnail_url for c in reply.digest.cards]

    assert all(today_cards())
    before = ctx.db.execute("SELECT * FROM channels").fetchall()
    for bad in ("", "maybe", "off now"):
        reply = handle(ctx, Command(REF, "U1", f"images {bad}"))
        assert reply.kind == ReplyKind.ERROR and "images off|on" in reply.text
    refused = handle(ctx, Command(REF, "U2", "images off", user_can_manage=False))
    assert refused.kind == ReplyKind.ERROR
    assert ctx.db.execute("SELECT * FROM channels").fetchall() == before
    assert handle(ctx, Command(REF, "U1", "images off")).kind == ReplyKind.SUCCESS
    settings = channel_store.get_channel(ctx.db, REF)
    assert settings is not None and settings.images is False
    assert today_cards() == [None] * 5
    assert handle(ctx, Command(REF, "U1", "images on")).kind == ReplyKind.SUCCESS
    assert all(today_cards())
    assert "/papers images off|on" in handle(ctx, Command(REF, "U1", "help")).text


def test_today_says_when_the_newest_list_is_not_todays(ctx: Context) -> None:
    stale = handle(ctx, Command(REF, "U1", "today"))
    assert stale.digest is not None
    assert stale.digest.note.startswith("No list for today yet; the latest is Tue 30 Jun.")
    assert stale.digest.title.endswith("Tue 30 Jun 2026")
    store(ctx.db, day_of(3, "2026-11-27"))
    fresh = handle(ctx, Command(REF, "U1", "today"))
    assert fresh.digest is not None and "No list for today" not in fresh.digest.note
    assert fresh.digest.day == "2026-11-27" and fresh.digest.more == 0


def test_a_past_days_digest_shows_that_days_counts(fresh_db: sqlite_utils.Database) -> None:
    early = [hf_item("2606.11176", "A paper", "Robots.", day="2026-06-10", upvotes=29, comments=1)]
    later = [hf_item("2606.11176", "A paper", "Robots.", day="2026-06-16", upvotes=82, comments=4)]
    store(fresh_db, early + day_of(6, "2026-06-10"))
    store(fresh_db, later + day_of(2, "2026-06-16"))
    past = build_digest(fresh_db, REF, "2026-06-10", size=7)
    (card,) = [c for c in past.cards if c.arxiv_id == "2606.11176"]
    assert (card.upvotes, card.comments) == (29, 1)
    assert past.more_text == "" and past.more == 0
    live = build_digest(fresh_db, REF, "2026-06-16", size=1)
    assert (live.cards[0].upvotes, live.cards[0].comments) == (82, 4)
    assert live.more_text == "+2 more on today's list"
    short = build_digest(fresh_db, REF, "2026-06-10", size=2)
    assert short.more_text == "+5 more on the Wed 10 Jun list"


def test_recorded_past_day_counts_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from paperbot.bot.cli import app
    from tests.conftest import bot_env

    bot_env(monkeypatch, tmp_path)
    data = shared_data() / "hf_daily_papers"
    runner = CliRunner()
    for day in ("2026-06-10", "2026-06-16"):
        assert runner.invoke(app, ["import", str(data / f"{day}.json")]).exit_code == 0
    result = runner.invoke(app, ["digest", "--channel", "slack:C1", "--date", "2026-06-10", "--json"])
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    counts = {p["arxiv_id"]: p["upvotes"] for p in shown["papers"]}
    assert counts.get("2606.11176") == 29  # 82 by 06-16, but this digest is for 06-10
    assert shown["more"] > 0 and shown["more_url"].endswith("/2026-06-10")
