from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperbot.bot.aliases import mine_text
from paperbot.bot.ingest import import_batch, store_papers
from paperbot.bot.models import Paper
from paperbot.bot.query import QueryError, parse, to_fts
from paperbot.bot.search import search
from paperbot.bot.sources.files import load_file
from paperbot.storage.db import open_db
from tests.conftest import shared_data

CORPUS = [
    Paper(
        "p1",
        "Sparse Mixture-of-Experts Routing",
        "We scale mixture-of-experts (MoE) layers with top-2 routing.",
    ),
    Paper("p2", "Moebius Transformations for Image Warping", "Moebius maps warp images conformally."),
    Paper(
        "p3", "Compressing the KV Cache", "A key-value (KV) cache eviction policy for long-context inference."
    ),
    Paper("p4", "Paged Attention Memory", "We page the key-value cache of transformer inference servers."),
    Paper(
        "p5",
        "Expert Parallelism Systems",
        "Systems for mixture of experts training across GPUs.",
        ("Tri Dao",),
    ),
    Paper("p6", "Diffusion for Video Generation", "Latent diffusion generates video clips.", ("Jane Roe",)),
    Paper("p7", "A Survey of KV Cache Methods", "We survey key-value cache compression."),
    Paper(
        "p8", "Reinforcement Learning from Human Feedback", "Reward models for RLHF and preference tuning."
    ),
]


@pytest.fixture(scope="module")
def corpus_db() -> sqlite_utils.Database:
    db = open_db(memory=True)
    store_papers(db, CORPUS)
    return db


def ids(db: sqlite_utils.Database, text: str, limit: int = 10) -> list[str]:
    return [h.paper.id for h in search(db, text, limit=limit).hits]


def test_acronym_finds_the_long_form_and_not_lookalikes(corpus_db: sqlite_utils.Database) -> None:
    found = ids(corpus_db, "moe")
    assert set(found[:2]) == {"p1", "p5"}  # p5 never says "MoE", only "mixture of experts"
    assert "p2" not in found  # "moe" must not match "Moebius"


def test_long_form_finds_the_acronym(corpus_db: sqlite_utils.Database) -> None:
    assert ids(corpus_db, "mixture of experts")[:2] in (["p1", "p5"], ["p5", "p1"])


def test_kv_cache_finds_key_value_cache(corpus_db: sqlite_utils.Database) -> None:
    found = ids(corpus_db, "kv cache")
    assert set(found[:3]) == {"p3", "p4", "p7"}  # p4 only says "key-value cache"


def test_exclusion_phrase_and_author(corpus_db: sqlite_utils.Database) -> None:
    assert "p7" not in ids(corpus_db, "kv cache -survey")
    assert ids(corpus_db, '"video generation"') == ["p6"]
    assert ids(corpus_db, 'experts author:"tri dao"') == ["p5"]
    assert ids(corpus_db, "author:roe") == ["p6"]


def test_typo_in_a_longer_query_is_tolerated(corpus_db: sqlite_utils.Database) -> None:
    result = search(corpus_db, "reinforcement lerning")
    assert result.corrections == {"lerning": "learning"}
    assert result.hits[0].paper.id == "p8"
    # The label names the word the paper holds: no paper says "lerning" (a card claiming it would lie).
    assert result.hits[0].matched == ("reinforcement", "learning")
    assert search(corpus_db, "difusion").hits[0].paper.id == "p6"
    # A typo in the third letter: no word shares the first three, so words sharing two are tried.
    assert search(corpus_db, "diufsion").corrections == {"diufsion": "diffusion"}


def test_a_word_typed_twice_is_one_concept(corpus_db: sqlite_utils.Database) -> None:
    once, twice = (
        search(corpus_db, "reinforcement learning"),
        search(corpus_db, "reinforcement learning reinforcement"),
    )
    assert [h.paper.id for h in twice.hits] == [h.paper.id for h in once.hits]
    assert twice.hits[0].matched == once.hits[0].matched == ("reinforcement", "learning")


def test_title_outranks_abstract() -> None:
    db = open_db(memory=True)
    store_papers(
        db,
        [
            Paper("a", "Something Else", "This mentions quantization once among many other words here."),
            Paper("b", "Quantization of Transformers", "A study of numeric formats."),
        ],
    )
    assert ids(db, "quantization") == ["b", "a"]


@pytest.mark.parametrize(
    "text",
    ['moe"', "AND OR moe", "NEAR(", "NOT", "a:b:c", "moe*", "(moe", "^moe", "🙂 moe", "x" * 5000, "col:moe"],
)
def test_syntax_is_only_text(corpus_db: sqlite_utils.Database, text: str) -> None:
    search(corpus_db, text)  # no sqlite3.OperationalError, whatever the text


@pytest.mark.parametrize("text", ["", "   ", "*", "{}", "🙂", '""', "-survey", "()"])
def test_nothing_to_search_is_a_clear_message(corpus_db: sqlite_utils.Database, text: str) -> None:
    with pytest.raises(QueryError) as info:
        search(corpus_db, text)
    assert "\n" not in str(info.value) and len(str(info.value)) < 120


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_no_text_raises_anything_but_query_error(corpus_db: sqlite_utils.Database, text: str) -> None:
    try:
        result = search(corpus_db, text)
    except QueryError:
        return
    assert all(h.paper.id.startswith("p") for h in result.hits)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(['"', "-", "*", "(", ")", "AND", "OR", "NOT", "NEAR", ":", "^", "moe", "kv", " "])
    )
)
def test_operator_soup_is_safe(pieces: list[str]) -> None:
    text = "".join(pieces)
    try:
        expr = to_fts(parse(text))
    except QueryError:
        return
    db = open_db(memory=True)
    store_papers(db, CORPUS[:2])
    db.execute("SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?", [expr]).fetchone()


def test_mining_acronyms() -> None:
    text = (
        "We use a Mixture-of-Experts (MoE) layer and compress the key-value (KV) cache. "
        "State Space Models (SSMs) are fast. It scores 83.3 (MEO, e.g. 4). Uses MoE (mixture of experts)."
    )
    pairs = set(mine_text(text))
    # long forms are normalised: lower case, single spaces, last word singular
    assert {("moe", "mixture of expert"), ("kv", "key value"), ("ssm", "state space model")} <= pairs
    assert not any(short == "meo" for short, _ in pairs)


def test_recorded_day_moe_first(tmp_path: Path) -> None:
    day = shared_data() / "hf_daily_papers" / "2026-06-10.json"
    db = open_db(memory=True)
    import_batch(db, load_file(day))
    items = json.loads(day.read_text())
    moe_ids = {
        i["paper"]["id"]
        for i in items
        if "mixture-of-experts" in (i["paper"]["title"] + i["paper"]["summary"]).lower().replace(" ", "-")
        or " moe" in i["paper"]["summary"].lower()
    }
    assert moe_ids
    found = ids(db, "moe")
    assert set(found[: len(moe_ids)]) == moe_ids


def test_a_quoted_phrase_is_not_expanded_to_an_acronym() -> None:
    db = open_db(memory=True)
    store_papers(
        db,
        [
            Paper("r1", "Training a Reward Model (RM)", "A reward model (RM) scores answers."),
            Paper("r2", "Reward Model Ensembles", "We ensemble reward models (RMs) for RLHF."),
            Paper("m1", "Reflective Masking", "Reflective masking (RM) of tokens: RM improves decoding."),
        ],
    )
    assert "m1" not in [h.paper.id for h in search(db, '"reward model"').hits]
