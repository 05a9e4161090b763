"""Topic matches are claims: a card says `matched: topic` only when the paper's own words cover the topic,
and search never loses papers covering the whole query to a cap, whatever the archive's size."""

from __future__ import annotations

import random
import re

import pytest
import sqlite_utils

from paperbot.bot import evidence
from paperbot.bot.digest import WHY_TOPIC, WHY_TRENDING, DigestBuilder, build_digest
from paperbot.bot.ingest import import_batch, store_papers
from paperbot.bot.models import ChannelRef, Paper
from paperbot.bot.query import QueryError
from paperbot.bot.query_prep import prepare
from paperbot.bot.search import search, strengths
from paperbot.bot.sources.files import load_file
from paperbot.bot.taste_blend import WHY_NEAR
from paperbot.storage import papers as paper_store
from paperbot.storage import search_index
from paperbot.storage.db import open_db
from tests.conftest import shared_data

FLIP_SIDE = "2605.30888"  # The Flip Side of RLHF: ... Reward Model Self-Supervised Improvement
# The five cards of 10 June that "diffusion language model" used to label as matches; none is about it.
NOT_DLM = {
    "2606.10651": "Kwai Keye-VL-2.0 Technical Report",
    "2606.10029": "Interpreting and Steering a Text-to-Speech Language Model with Sparse Autoencoders",
    "2606.10917": "Role-Agent: Bootstrapping LLM Agents via Dual-Role Evolution",
    "2606.09967": "ABot-Earth 0.5: Generative 3D Earth Model",
    "2606.11180": "Lip Forcing: Few-Step Autoregressive Diffusion for Real-time Lip Synchronization",
}


def june_db() -> sqlite_utils.Database:
    days = sorted((shared_data() / "hf_daily_papers").glob("2026-06-*.json"))
    db = open_db(memory=True)
    for path in days:
        import_batch(db, load_file(path))
    return db


@pytest.fixture(scope="module")
def june() -> sqlite_utils.Database:
    return june_db()


def ids(db: sqlite_utils.Database, text: str, limit: int = 10) -> list[str]:
    return [h.paper.id for h in search(db, text, limit=limit).hits]


def test_diffusion_language_model_labels_none_of_the_five_10_june_cards(june: sqlite_utils.Database) -> None:
    ref = ChannelRef("console", "dlm")
    digest = build_digest(
        june, ref, "2026-06-10", size=5, topics=["diffusion language model"], skip_sent=False
    )
    listed = {e.paper_id for e in paper_store.daily_list(june, "2026-06-10")}
    assert set(NOT_DLM) <= listed  # the day really holds them
    labelled = {c.arxiv_id for c in digest.cards if c.matched_topics}
    assert not labelled & set(NOT_DLM)
    # Whatever is labelled says "diffusion language model" (or dLLM) in its own words; the rest says
    # truthfully whether it shares some of the topic's words or is among the day's top five.
    day = "2026-06-10"
    top = DigestBuilder(june)._pool((day,)).by_trend[:5]
    for card in digest.cards:
        text = f"{card.title} {card.summary}".lower()
        if card.matched_topics:
            assert "diffusion" in text and ("language model" in text or "dllm" in text)
            assert card.why == f"{WHY_TOPIC} " + ", ".join(card.matched_topics)
        elif card.why == WHY_TRENDING:
            assert card.arxiv_id in {e.paper_id for e in paper_store.daily_list(june, day) if e.pk in top}
        else:
            assert card.why == f"{WHY_NEAR} diffusion language model"
            assert any(word in text for word in ("diffusion", "language", "model"))
    if any(c.why.startswith(WHY_NEAR) for c in digest.cards):
        assert digest.note.endswith(" is what partly matches them or is trending.")


@pytest.mark.parametrize(
    ("topic", "wrong_id"),
    [
        ("robot manipulation", "2606.09707"),  # BrainSurgery ... Weight Manipulations
        ("vision transformer", "2606.11176"),  # Data Journalist Agent: Transforming Data
    ],
)
def test_one_shared_word_or_stem_is_not_a_match(
    june: sqlite_utils.Database, topic: str, wrong_id: str
) -> None:
    digest = build_digest(
        june, ChannelRef("console", "t"), "2026-06-10", size=35, topics=[topic], skip_sent=False
    )
    assert wrong_id in {c.arxiv_id for c in digest.cards}  # on the day, shown as trending at most
    assert all(not c.matched_topics for c in digest.cards if c.arxiv_id == wrong_id)


def test_reward_model_keeps_the_flip_side_paper_at_618_papers(june: sqlite_utils.Database) -> None:
    assert paper_store.paper_count(june) == 618
    assert FLIP_SIDE in ids(june, "reward model", limit=5)


def _sentences(db: sqlite_utils.Database) -> list[str]:
    rows = db.execute("SELECT summary FROM papers").fetchall()
    return [s for (text,) in rows for s in re.split(r"(?<=[.!?])\s+", text or "") if len(s) > 40]


def test_reward_model_keeps_the_flip_side_paper_at_100k_papers() -> None:
    """100k papers: the 618 real ones, then 99,382 newer ones made of their recombined sentences (titles of
    words drawn at abstract frequencies), so "reward" and "model" are as common as in real abstracts and
    thousands of newer papers hold both."""
    db = june_db()
    sentences = _sentences(db)
    words = [w for s in sentences for w in s.split()]
    rng = random.Random(11)
    filler = [
        Paper(  # titles of words drawn at their abstract frequencies: no copies of a real title's phrases
            id=f"2607.{n:05d}",
            title=" ".join(rng.choices(words, k=8)),
            summary=" ".join(rng.sample(sentences, 4)),
        )
        for n in range(100_000 - paper_store.paper_count(db))
    ]
    store_papers(db, filler)
    assert paper_store.paper_count(db) == 100_000
    both = search_index.fts_count(db, '"reward" AND "model"', cap=100_000)
    assert both > 1_000  # the case the old newest-300 fallback lost
    assert FLIP_SIDE in ids(db, "reward model", limit=10)


@pytest.mark.parametrize("text", ["the of and", "The", "of the"])
def test_stopword_only_text_asks_for_a_topic(june: sqlite_utils.Database, text: str) -> None:
    with pytest.raises(QueryError) as info:
        search(june, text)
    message = str(info.value)
    assert "needs a topic" in message and "\n" not in message and len(message) < 120


def test_hyphenated_compound_typed_both_ways_finds_the_same(june: sqlite_utils.Database) -> None:
    hyphen, spaced = ids(june, "long-context"), ids(june, "long context")
    assert hyphen == spaced and len(hyphen) == 10
    assert any("long-context" in h.paper.title.lower() for h in search(june, "long context", limit=5).hits)


def test_closed_compound_finds_the_hyphenated_spelling(fresh_db: sqlite_utils.Database) -> None:
    store_papers(
        fresh_db,
        [
            Paper("a", "A Multi-Modal Benchmark for Charts", "We test multi-modal models on charts."),
            Paper("b", "Multi-modal Retrieval", "Retrieval across multi-modal inputs."),
            Paper("c", "Charts for Text", "A benchmark of text charts."),
        ],
    )
    assert ids(fresh_db, "multimodal benchmark")[0] == "a"
    query, _ = prepare(fresh_db, "multimodal benchmark")
    found = strengths(fresh_db, query, [1, 2, 3])
    assert found[1].matches and not found[3].matches


def _doc(title: str, abstract: str = "", keywords: str = "") -> evidence.Doc:
    return evidence.Doc.of(title, keywords, abstract)


def _topic(*concepts: str, acronyms: tuple[str, ...] = ()) -> evidence.Topic:
    words = [tuple(c.split()) for c in concepts]
    phrase = tuple(w for c in words for w in c)
    return evidence.make_topic([[w] for w in words], acronyms, [phrase] if len(words) > 1 else [])


def test_evidence_separates_stems_compounds_and_acronym_senses() -> None:
    transformer = _topic("vision", "transformer")
    assert not evidence.strength(_doc("Transforming Data into Vision Stories"), transformer).matches
    assert evidence.strength(_doc("Vision Transformers at Scale"), transformer).matches
    world = _topic("world", "model")
    assert not evidence.strength(_doc("Open-World Model Editing"), world).phrase
    assert evidence.strength(_doc("Learning World Models from Video"), world).matches
    cars = _topic("cars")
    assert evidence.strength(_doc("Depth with CAR", "CAR refines depth."), cars).coverage == 0
    assert evidence.strength(_doc("Cars that Drive Themselves"), cars).matches
    lora = _topic("lora", acronyms=("lora",))
    assert evidence.strength(_doc("Scaling LoRA Adapters"), lora).matches


def test_one_passing_mention_is_weaker_than_the_threshold() -> None:
    filler = " ".join(["Our method improves reasoning across many tasks and settings."] * 20)  # ~180 words
    topic = _topic("kv", "cache", acronyms=("kv",))
    mention = evidence.strength(_doc("Reasoning Agents", f"{filler} We also use a kv cache."), topic)
    named = evidence.strength(_doc("Compressing the KV Cache", filler), topic)
    assert mention.coverage == 1.0 and not mention.matches
    assert named.matches and named.score > mention.score
