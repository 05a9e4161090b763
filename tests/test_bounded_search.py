"""Search whose work is bounded by its candidates, not the archive: BM25 over the candidates' own text with
sampled document frequencies (bot.bm25), and title phrases found through the title-pairs index."""

from __future__ import annotations

import pytest
import sqlite_utils

from paperbot.bot import bm25, candidates
from paperbot.bot.ingest import store_papers
from paperbot.bot.models import Paper
from paperbot.bot.search import search
from paperbot.storage import search_index, title_pairs
from paperbot.storage.db import open_db
from paperbot.storage.health import problems, rebuild_search_index


def test_a_title_mention_outranks_an_abstract_mention_and_rare_words_weigh_more() -> None:
    terms = bm25.Terms.of({"quantization": 0.01, "model": 0.9}, total=1000)
    found = bm25.scores(
        {
            1: ("Quantization of large models", "", "We study a model."),
            2: ("A study of models", "", "We study quantization of a model."),
            3: ("A model of models", "", "A model, and a model, and more models."),
        },
        terms,
    )
    assert found[1] > found[2] > found[3]
    assert terms.idf[0] == bm25.MIN_IDF  # "model", in most papers: next to nothing


def test_inflections_count_unrelated_words_sharing_a_short_start_do_not() -> None:
    assert bm25.prefixes("reasoning") == ("reason",)
    assert bm25.prefixes("cars") == ("car ", "cars ")
    terms = bm25.Terms.of({"cars": 0.01, "reasoning": 0.05}, total=1000)
    found = bm25.scores(
        {
            1: ("Self-driving car planning", "", ""),
            2: ("Careful carbon accounting", "", ""),  # starts like "car", is not it
            3: ("Reasons to reason", "", ""),
            4: ("Moebius maps", "", ""),
        },
        terms,
    )
    assert found[1] > 0 and found[3] > 0
    assert found[2] == 0 and found[4] == 0


def test_document_shares_are_estimated_from_the_newest_papers(fresh_db: sqlite_utils.Database) -> None:
    store_papers(
        fresh_db,
        [Paper(f"2601.{n:05d}", f"Paper {n}", "diffusion" if n % 4 == 0 else "other") for n in range(1, 401)],
    )
    shares, total = search_index.doc_shares(fresh_db, {"diffusion": '"diffusion"', "absent": '"absent"'})
    assert total == 400
    assert shares == {"diffusion": 0.25, "absent": 0.0}


def _pairs_hits(db: sqlite_utils.Database, *phrases: tuple[str, ...]) -> list[int]:
    return title_pairs.newest(db, phrases, 10)


def test_title_pairs_follow_new_and_changed_titles(fresh_db: sqlite_utils.Database) -> None:
    store_papers(fresh_db, [Paper("2601.00001", "Learning a Reward Model", "Abstract.")])
    assert _pairs_hits(fresh_db, ("reward", "model")) == [1]
    store_papers(fresh_db, [Paper("2601.00001", "Scaling Value Functions", "Abstract.")])
    assert _pairs_hits(fresh_db, ("reward", "model")) == []
    assert _pairs_hits(fresh_db, ("value", "functions")) == [1]
    assert problems(fresh_db) == []  # the index still matches what it should hold
    store_papers(fresh_db, [Paper("2601.00001", "Scaling Value Functions", "A new abstract.")])  # same title
    assert _pairs_hits(fresh_db, ("value", "functions")) == [1]


def test_title_pair_lookups_cannot_be_steered_by_query_text(fresh_db: sqlite_utils.Database) -> None:
    store_papers(fresh_db, [Paper("2601.00001", "Reward Model NEAR Attacks", "Abstract.")])
    # Quotes, operators and stray underscores are read as words, never as FTS5 syntax.
    assert _pairs_hits(fresh_db, ('reward"', "model")) == [1]
    assert _pairs_hits(fresh_db, ("model", "near(")) == [1]
    assert _pairs_hits(fresh_db, ("reward_model", "*")) == [1]  # read as the words "reward model"
    assert _pairs_hits(fresh_db, ("*", ")", '"')) == []
    assert _pairs_hits(fresh_db, ("reward",)) == []  # one word has no pair


def test_rebuild_refills_the_title_pairs(tmp_path: object) -> None:
    db = open_db(memory=True)
    store_papers(db, [Paper("2601.00001", "Reward Model Ensembles", "Abstract.")])
    db.execute("INSERT INTO title_pairs(title_pairs) VALUES ('delete-all')")
    assert _pairs_hits(db, ("reward", "model")) == []
    rebuild_search_index(db)
    assert _pairs_hits(db, ("reward", "model")) == [1]


@pytest.fixture(params=["fts5 bm25", "text bm25"])
def ranker(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways candidates are ranked: FTS5's bm25() (few papers to count first) and bot.bm25 over the
    candidates' text (what a large archive uses)."""
    if request.param == "text bm25":
        monkeypatch.setattr(candidates, "FTS_BM25_PER_PAPER", 1.0)
    return str(request.param)


def test_an_old_title_phrase_survives_a_full_window(fresh_db: sqlite_utils.Database, ranker: str) -> None:
    """More papers cover every word than the full-coverage window holds; the one whose title is the
    topic is old, yet comes first, found through its title pairs (checked as a phrase: the newer
    'model ... reward' titles hold both pairs' words but not the phrase)."""
    old = Paper("2301.00001", "Reward Model Overoptimization in RLHF", "We study reward models.")
    newer = [
        Paper(f"2601.{n:05d}", f"Model Based Planning {n} with Sparse Reward", "A reward for the model.")
        for n in range(1, 700)
    ]
    store_papers(fresh_db, [old])
    store_papers(fresh_db, newer)
    hits = search(fresh_db, "reward model", limit=5).hits
    assert hits[0].paper.id == "2301.00001"


def test_full_coverage_ranks_first_when_one_word_is_in_most_papers(
    fresh_db: sqlite_utils.Database, ranker: str
) -> None:
    """'agents' is in most papers, so BM25 gives it almost no weight; more papers hold both words than
    the evidence reader reads, and papers saying only 'companion', over and over, must still come after
    every paper holding both (an independent tester found them from rank 7 when common words were not
    required of candidates)."""
    both = [Paper(f"2601.{n:05d}", f"Companion agents {n}", "We study companion agents.") for n in range(60)]
    one = [
        Paper(f"2602.{n:05d}", f"Companion companion {n}", "Companion robots, companion apps, companion.")
        for n in range(60)
    ]
    filler = [Paper(f"2603.{n:05d}", f"Topic {n}", "Autonomous agents for the web.") for n in range(300)]
    store_papers(fresh_db, [*both, *one, *filler])
    found = [h.paper.id for h in search(fresh_db, "companion agents", limit=80).hits]
    assert set(found[:60]) == {p.id for p in both}
    assert set(found[60:80]) <= {p.id for p in one}


def test_letters_the_index_tokenizer_splits_still_make_one_pair(fresh_db: sqlite_utils.Database) -> None:
    """U+19B1 (New Tai Lue) is a letter to Python and a separator to FTS5's unicode61: a pair holding it
    once reached FTS5 as a phrase, which a detail=none table refuses (reported as a full disk)."""
    store_papers(fresh_db, [Paper("2601.00001", "\u19b1the \u19b1model of reward", "Abstract about reward.")])
    assert title_pairs.newest(fresh_db, [("\u19b1the", "\u19b1model")], 10) == [1]
    search(fresh_db, "\u19b1the \u19b1model")  # answers, whatever it finds
    search(fresh_db, '"\u19b1the \u19b1model"')


def test_a_paper_twice_in_one_batch_keeps_the_last_version(fresh_db: sqlite_utils.Database) -> None:
    store_papers(
        fresh_db,
        [
            Paper("2601.00001", "Reward Modeling at Scale", "First."),
            Paper("2601.00001", "Reward Models at Scale", "Second."),
        ],
    )
    assert [h.paper.title for h in search(fresh_db, "reward").hits] == ["Reward Models at Scale"]
    assert problems(fresh_db) == []
    assert _pairs_hits(fresh_db, ("reward", "models")) == [1]
    assert _pairs_hits(fresh_db, ("reward", "modeling")) == []
