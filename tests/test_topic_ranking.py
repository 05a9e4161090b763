"""How strongly a paper is about a topic decides its place: where the words stand (a compound of their own,
the abstract's opening or its closing sentence), and a digest leads with matches, then near papers."""

from __future__ import annotations

import sqlite_utils

from paperbot.bot import evidence
from paperbot.bot.digest import WHY_TRENDING, build_digest
from paperbot.bot.ingest import store_papers
from paperbot.bot.models import ChannelRef, Paper
from paperbot.bot.query_prep import prepare
from paperbot.bot.search import search, strengths, topic_of
from paperbot.bot.taste_blend import WHY_NEAR, TasteView, blend_pick
from tests.conftest import load
from tests.factories import hf_item

FILLER = " ".join(["Our method improves results across many tasks and settings."] * 12)


def _strength(
    db: sqlite_utils.Database, text: str, title: str, abstract: str, keywords: str = ""
) -> evidence.Strength:
    query, _ = prepare(db, text)
    return evidence.strength(evidence.Doc.of(title, keywords, abstract), topic_of(query))


def test_a_modifier_counts_inside_a_compound_only_before_the_typed_word(
    fresh_db: sqlite_utils.Database,
) -> None:
    store_papers(fresh_db, [Paper("x", "Placeholder", "Self-driving cars and self-distillation.")])
    for text in ("self-driving cars", "self driving cars"):
        other = _strength(fresh_db, text, "Self-Distillation for Driving Robots", "")
        own = _strength(fresh_db, text, "Self-Driving Cars at Night", "")
        assert other.concepts[0] == 0.0 and other.concepts[1] > 0  # "self" of "self-distillation" is not it
        assert own.matches and min(own.concepts) > 0
    # The last word of the topic is free to sit inside a compound: "multi-agent" still names "agents".
    assert _strength(fresh_db, "llm agents", "LLM Multi-Agent Debate", "").concepts[1] > 0


def test_search_ranks_the_topic_in_a_title_above_stray_words(fresh_db: sqlite_utils.Database) -> None:
    store_papers(
        fresh_db,
        [
            Paper("stray", "Self-Play for Economic Agents", "Self-interested agents, driving planning."),
            Paper("title", "Interactive Driving Planning", "Rule-aware autonomous driving stacks."),
        ],
    )
    assert [h.paper.id for h in search(fresh_db, "self-driving cars", limit=2).hits] == ["title", "stray"]


def test_a_topic_first_named_at_the_end_of_the_abstract_is_weaker(fresh_db: sqlite_utils.Database) -> None:
    store_papers(fresh_db, [Paper("x", "Placeholder", "GRPO and more GRPO.")])
    # HF keywords name what a paper uses as well as what it is about: the abstract tells them apart.
    opening = _strength(fresh_db, "grpo", "A Study", f"We improve GRPO. {FILLER} We test GRPO again.", "GRPO")
    closing = _strength(
        fresh_db, "grpo", "A Study", f"We study agents. {FILLER} We train with GRPO, GRPO.", "GRPO"
    )
    assert opening.matches and not closing.matches
    assert closing.coverage == 1.0 and 0 < closing.score < opening.score


def test_the_phrase_counts_only_as_strongly_as_a_match(fresh_db: sqlite_utils.Database) -> None:
    store_papers(fresh_db, [Paper("x", "Placeholder", "Video generation.")])
    late = _strength(fresh_db, "video generation", "Faster Attention", f"{FILLER} It helps video generation.")
    titled = _strength(fresh_db, "video generation", "Long Video Generation", FILLER)
    assert late.coverage == 1.0 and not late.phrase
    assert titled.phrase and titled.matches


def test_digest_leads_with_matches_then_near_papers_never_labelled_matches(
    fresh_db: sqlite_utils.Database,
) -> None:
    items = [
        hf_item("2606.00001", "Popular Robotics", "Robots everywhere.", upvotes=100),
        hf_item("2606.00002", "Interactive Driving Planning", "Planning for autonomous driving.", upvotes=2),
        hf_item("2606.00003", "Self-Driving Cars in the Rain", "Self-driving cars see rain.", upvotes=1),
        hf_item("2606.00004", "Chatbots", "Dialogue systems.", upvotes=50),
    ]
    load(fresh_db, items)
    digest = build_digest(
        fresh_db, ChannelRef("console", "x"), "2026-06-10", size=3, topics=["self-driving cars"]
    )
    assert [c.arxiv_id for c in digest.cards] == ["2606.00003", "2606.00002", "2606.00001"]
    assert digest.cards[0].matched_topics == ("self-driving cars",)
    near = digest.cards[1]
    # It shares "driving": it says so, and is neither claimed a match nor "trending" (the day's least but one).
    assert near.matched_topics == () and near.why == f"{WHY_NEAR} self-driving cars"
    assert digest.cards[2].why == WHY_TRENDING
    query, _ = prepare(fresh_db, "self-driving cars")
    assert not strengths(fresh_db, query, [2])[2].matches
    assert "1 matched" in digest.note


def test_with_taste_near_papers_rank_between_matches_and_the_rest() -> None:
    trend = {1: 5.0, 2: 1.0, 3: 0.5}  # 1: popular, unrelated; 2: shares the topic's words; 3: a match
    view = TasteView(scores={})
    picked = blend_pick([1, 2, 3], trend, {3: 0.6}, view, set(), 3, near={2: 0.6}).chosen
    assert picked == [3, 2, 1]
    assert blend_pick([1, 2, 3], trend, {3: 0.6}, view, set(), 3).chosen == [3, 1, 2]  # without: trending
