"""Follows: the `/papers follow|unfollow|alerts` commands and author/organisation matching."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlite_utils

from paperbot.bot.commands import handle, help_text
from paperbot.bot.context import Context, Defaults
from paperbot.bot.follows import Follow, Kind, fold, matches, new_from, parse_follow
from paperbot.bot.models import ChannelRef, Command, Paper, ReplyKind
from paperbot.storage import follows as follow_store

REF = ChannelRef("slack", "C1", "T1")
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def ctx(fresh_db: sqlite_utils.Database) -> Context:
    return Context(fresh_db, Defaults(), now=lambda: NOW)


def run(ctx: Context, text: str, can_manage: bool = True) -> tuple[str, ReplyKind]:
    reply = handle(ctx, Command(REF, "U1", text, user_can_manage=can_manage))
    return reply.text, reply.kind


def state(db: sqlite_utils.Database) -> tuple[object, ...]:
    return (
        db.execute("SELECT * FROM channels").fetchall(),
        db.execute("SELECT * FROM follows").fetchall(),
        db.execute("SELECT * FROM follow_options").fetchall(),
    )


def test_fold_drops_case_accents_and_punctuation() -> None:
    assert fold("Trí  DÀO") == "tri dao"
    assert fold("Jean-Luc Godard") == "jean luc godard"
    assert fold("Ｔｒｉ Ｄａｏ") == "tri dao"  # full-width letters fold by NFKD
    assert fold("Zoë O'Neil") == "zoe o neil"


def test_parse_follow_accepts_full_names_and_orgs() -> None:
    assert parse_follow('author:"Tri Dao"') == Follow(Kind.AUTHOR, "tri dao", "Tri Dao")
    assert parse_follow("AUTHOR: Tri   Dao").key == "tri dao"
    assert parse_follow("author:“Trí Dào”").key == "tri dao"
    org = parse_follow('org:"Kwai Keye"')
    assert org.kind is Kind.ORG and org.key == "kwaikeye" and org.name == "Kwai Keye"
    assert parse_follow("org:KwaiKeye").key == org.key  # HF's name and display name are one follow


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("author:", "needs a name"),
        ('author:""', "needs a name"),
        ("author:" + "x" * 300, "at most 100 characters"),
        ("author:Li", "full name"),
        ('author:"Dao"', "full name"),
        ("Tri Dao", "say whom to follow"),
        ("", "say whom to follow"),
        ("author:!!! ???", "no letters"),
    ],
)
def test_bad_follow_input_is_refused_with_one_line(ctx: Context, text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_follow(text)
    before = state(ctx.db)
    reply, kind = run(ctx, f"follow {text}")
    assert kind == ReplyKind.ERROR and why in reply and "\n" not in reply
    assert state(ctx.db) == before  # nothing changed, not even the channel registered


def test_matching_is_by_full_folded_name_never_by_surname() -> None:
    follows = [parse_follow('author:"Tri Dao"'), parse_follow('org:"Kwai Keye"')]
    by_dao = Paper("2606.1", "t", "s", authors=("TRÍ DAO", "Someone Else"))
    other_dao = Paper("2606.2", "t", "s", authors=("Xin Dao", "Tri Daogreat"))
    lab = Paper("2606.3", "t", "s", organization="KwaiKeye")
    assert [f.name for f in matches(by_dao, follows)] == ["Tri Dao"]
    assert matches(other_dao, follows) == []
    assert new_from(lab, follows) == "new from KwaiKeye"  # as the paper spells it
    assert new_from(by_dao, follows) == "new from TRÍ DAO"
    li = [parse_follow('author:"Wei Li"')]
    assert matches(Paper("2606.4", "t", "s", authors=("Li Wei", "Jia Li")), li) == []
    assert matches(Paper("2606.5", "t", "s", authors=("wei li",)), li) == li


def test_a_follow_only_matches_papers_stored_since() -> None:
    follow = Follow(Kind.AUTHOR, "tri dao", "Tri Dao", since="2026-06-10T12:00:00Z")
    paper = Paper("2606.1", "t", "s", authors=("Tri Dao",))
    assert matches(paper, [follow], added_at="2026-06-10T11:59:59Z") == []
    assert matches(paper, [follow], added_at="2026-06-10T12:00:00Z") == [follow]


def test_follow_topics_unfollow(ctx: Context) -> None:
    text, kind = run(ctx, 'follow author:"Tri Dao"')
    assert kind == ReplyKind.SUCCESS and 'author:"Tri Dao"' in text
    assert run(ctx, "follow author:tri dao")[0].startswith("This channel already follows")
    assert run(ctx, 'follow org:"Kwai Keye"')[1] == ReplyKind.SUCCESS
    assert [f.key for f in follow_store.follows(ctx.db, REF)] == ["tri dao", "kwaikeye"]
    listing, _ = run(ctx, "topics")
    assert 'Following: author:"Tri Dao", org:"Kwai Keye" (alerts immediately)' in listing
    assert run(ctx, "unfollow author:TRI DAO")[1] == ReplyKind.SUCCESS
    assert [f.key for f in follow_store.follows(ctx.db, REF)] == ["kwaikeye"]
    missing, kind = run(ctx, 'unfollow author:"Tri Dao"')
    assert kind == ReplyKind.ERROR and 'it follows org:"Kwai Keye"' in missing


def test_follow_needs_the_same_rights_as_subscribe(ctx: Context) -> None:
    before = state(ctx.db)
    for text in ('follow author:"Tri Dao"', 'unfollow author:"Tri Dao"', "alerts digest"):
        reply, kind = run(ctx, text, can_manage=False)
        assert kind == ReplyKind.ERROR and "manage this channel" in reply
    assert state(ctx.db) == before
    refused = handle(ctx, Command(REF, "U1", 'follow author:"Tri Dao"', cannot_post="invite me first"))
    assert refused.kind == ReplyKind.ERROR and "invite me first" in refused.text
    assert state(ctx.db) == before


def test_alerts_mode(ctx: Context) -> None:
    assert follow_store.options(ctx.db, REF).alerts is follow_store.AlertMode.NOW
    assert run(ctx, "alerts sometimes")[1] == ReplyKind.ERROR
    assert run(ctx, "alerts digest")[1] == ReplyKind.SUCCESS
    assert follow_store.options(ctx.db, REF).alerts is follow_store.AlertMode.DIGEST
    assert "at this channel's digest time" in run(ctx, 'follow author:"Tri Dao"')[0]
    assert "(alerts at digest time)" in run(ctx, "topics")[0]
    assert "/papers follow" in help_text() and "/papers alerts" in help_text()
