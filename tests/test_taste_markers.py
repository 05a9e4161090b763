"""Markers: what a channel's liked papers have in common lifts the candidates that carry it, and a card
says so only in words printed on it. Also how many cards explore while a channel has liked little."""

from __future__ import annotations

import pytest
import sqlite_utils

from paperbot.bot import taste, taste_markers
from paperbot.bot.digest import build_digest
from paperbot.bot.models import ChannelRef
from paperbot.bot.taste_blend import (
    WHY_EXPLORE,
    WHY_SHARES,
    WHY_TRENDING,
    WHY_VOTES,
    TasteView,
    blend_pick,
    why,
)
from paperbot.bot.taste_markers import as_written, label_terms, marked, markers
from paperbot.bot.taste_scorer import TasteScorer
from paperbot.bot.votes import cast_vote, taste_summary
from tests.conftest import load
from tests.factories import hf_item

REF = ChannelRef("slack", "C1", "T1")
RATE = {"grpo": 0.02, "model": 0.6, "agent": 0.1, "robot": 0.05}


def test_a_marker_is_shared_by_liked_papers_and_rarer_elsewhere() -> None:
    liked = [{"grpo", "model", "agent"}, {"grpo", "model"}, {"grpo", "model", "robot"}]
    weights = markers(liked, [], RATE)
    # In all three liked papers: "grpo" (rare in general) far above "model" (in most papers); "agent" and
    # "robot" are in one liked paper only.
    assert set(weights) == {"grpo", "model"} and weights["grpo"] > 5 * weights["model"]
    # Shared as much by the papers the channel turned down: no longer a marker.
    assert "grpo" not in markers(liked, [{"grpo"}, {"grpo", "robot"}], RATE)
    assert markers(liked[:1], [], RATE) == {}  # one liked paper shares nothing with another
    # Two terms in every liked paper, as usual as each other; the channel also saw and passed over two
    # papers carrying "y" (no more than usual: 2 of 40). Of the papers it saw with "y" it liked fewer.
    passed = [{"y"}, {"y"}] + [{"z"}] * 38
    both = markers([{"x", "y"}] * 4, passed, {"x": 0.05, "y": 0.05, "z": 0.5})
    assert both["x"] > 1.3 * both["y"] > 0
    assert marked(weights, {"grpo": ["a", "b"], "model": ["b"]}) == {
        "a": weights["grpo"],
        "b": weights["grpo"] + weights["model"],
    }


def test_labels_quote_only_words_printed_on_the_card() -> None:
    text = "Socratic-SWE: self-evolving coding agents. We study software engineering agents (MLLMs)."
    assert as_written("agent", text) == "agents"  # plurals were folded: the card's own spelling is quoted
    assert as_written("software engineering", text) == "software engineering"
    assert as_written("agent mllm", text) is None  # a pair split by punctuation is not quoted
    assert as_written("swe", text) is None and as_written("evolving", text) is None  # inside hyphenated words
    assert label_terms(["grpo", "agent", "coding", "software engineering"], "Title", text) == (
        "agents",
        "coding",
    )
    assert why((), None, shares=("GRPO",)) == f"shares “GRPO” {WHY_SHARES}"
    assert why((), ("Liked", 2), shares=("GRPO",)) == "like “Liked” (👍 ×2)"  # the nearer reason wins
    assert why(("grpo",), None, shares=("GRPO",)) == "matches grpo"
    assert why((), None, explored=True) == WHY_EXPLORE and why((), None) == WHY_TRENDING


def paper(
    n: int, title: str, abstract: str, upvotes: int, day: str, keywords: tuple[str, ...] = ()
) -> dict[str, object]:
    return hf_item(f"2606.3{n:04d}", title, abstract, day=day, upvotes=upvotes, keywords=keywords)


LIKED = [
    (
        "Grounding clicks on cluttered screenshots",
        "Interface elements are located by a vision encoder trained via GRPO "
        "over screenshots, menus, icons and dialog windows from desktop applications, spreadsheets, "
        "browsers and mail clients, with cursor traces collected from volunteers.",
    ),
    (
        "Verifier feedback for formal theorem proving",
        "Lean proofs are searched with tactic prediction; the prover is tuned by GRPO against "
        "a kernel verifier on competition algebra and number theory, inequalities, combinatorics "
        "and olympiad geometry, with lemma libraries mined from mathlib.",
    ),
    (
        "Learning to route queries through a document index",
        "Retrieval indexes are traversed by an agent learned from GRPO, choosing shards, "
        "postings and caches for enterprise question answering over contracts, invoices, "
        "tickets and wikis, with latency budgets per lookup.",
    ),
]
# The day's other papers: unrelated subjects, each also using a few of the words above (a word printed in
# only one paper is dropped from the vectors, and real papers share vocabulary).
OTHERS = [
    ("Sparse attention kernels for long sequences", "Block sparse attention kernels speed up prefill."),
    (
        "Gaussian splatting for city scenes",
        "Urban reconstruction from laser scanners, kitchens and hallways.",
    ),
    ("Tokenizers for protein language", "Amino acid vocabularies for protein sequence transformers."),
    ("Audio codecs at low bitrate", "Neural speech codecs with residual vector quantizers."),
    ("Weather forecasting with graph networks", "Forecasts for thirty cities drawn by architects."),
    ("Watermarks for generated images", "Watermarks survive cropping of sofas, lamps and shelves."),
]
# Listed beside the liked papers the day before, never voted on: their words are the liked papers' too.
FILLERS = [
    (
        "Desktop automation",
        "Screenshots, menus, icons, dialog windows, spreadsheets, browsers, cursor traces.",
    ),
    (
        "Olympiad mathematics",
        "Lean tactic prediction, kernel verifier, algebra, inequalities, combinatorics.",
    ),
    (
        "Enterprise search",
        "Retrieval indexes, shards, postings, caches, contracts, invoices, tickets, wikis.",
    ),
]
# A word from one liked paper ("screenshots"): the centroid alone puts this one first.
NEAR_ONE = ("Kernels for long inputs", "Block sparse kernels speed up prefill of long screenshots.")
GRPO_PAPER = (
    "Spatial reasoning about indoor rooms",
    "Depth maps and room layouts are described by a captioner fitted via GRPO "
    "on synthetic apartments and furniture arrangements, kitchens, staircases and hallways, "
    "with distances measured by laser scanners; windows, doors, sofas, lamps, shelves, rugs, "
    "ceilings, radiators and balconies are annotated by architects in thirty cities.",
)


@pytest.fixture
def grpo_db(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    # An archive of 130 earlier papers, so that rarity means something (a label names only words
    # found in at most 5% of papers).
    subjects = ["vision", "speech", "robotics", "graphs", "compilers", "databases", "networks", "biology"]
    archive = [
        paper(
            100 + n,
            f"Archive study {n} on {subjects[n % 8]}",
            f"Methods for {subjects[(n + 3) % 8]}.",
            1,
            "2026-06-08",
            # Hugging Face lists GRPO among two of their keywords: a subject, which a card may name.
            ("GRPO",) if n < 2 else (),
        )
        for n in range(130)
    ]
    day1 = [paper(n, t, a, 5, "2026-06-09") for n, (t, a) in enumerate(LIKED + FILLERS)]
    day2 = [paper(10 + n, t, a, 90 - n, "2026-06-10") for n, (t, a) in enumerate(OTHERS)]
    day2.append(paper(19, *NEAR_ONE, 2, "2026-06-10"))
    day2.append(paper(20, *GRPO_PAPER, 1, "2026-06-10"))  # the least upvoted paper of the day
    for items in (archive, day1, day2):
        load(fresh_db, items)
    for n, user in enumerate(("ana", "bo", "chen")):
        cast_vote(fresh_db, REF, f"2606.3{n:04d}", user, 1, toggle=True)
    return fresh_db


def test_what_the_liked_papers_share_lifts_a_paper_and_says_so(
    grpo_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three liked papers on screens, proofs and retrieval have only "GRPO" in common; so has the day's
    # least upvoted paper, on rooms. It leads the digest, and its card names the word it shares.
    def first_card() -> tuple[str, str]:
        digest = build_digest(grpo_db, REF, "2026-06-10", size=5, skip_sent=False, taste=TasteScorer(grpo_db))
        return digest.cards[0].arxiv_id, digest.cards[0].why

    assert first_card() == ("2606.30020", f"shares “GRPO” {WHY_SHARES}")
    digest = build_digest(grpo_db, REF, "2026-06-10", size=5, skip_sent=False, taste=TasteScorer(grpo_db))
    # The second card is there for one liked paper's "screenshots", too faintly to say "like ...", and it is
    # the day's second least upvoted: not "trending" either. The third is the day's most upvoted.
    assert [c.why for c in digest.cards[1:3]] == [WHY_VOTES, WHY_TRENDING]
    monkeypatch.setattr(taste_markers, "MARKER_PULL", 0.0)  # the centroid alone prefers "screenshots"
    assert first_card()[0] == "2606.30019"


def view(liked: int, candidates: int = 10) -> TasteView:
    pool = range(candidates)
    return TasteView(scores=dict.fromkeys(pool, 0.5), novelty=dict.fromkeys(pool, 1.0), liked=liked)


@pytest.mark.parametrize(("liked", "explored"), [(0, 5), (1, 4), (2, 3), (3, 2), (4, 2)])
def test_each_liked_paper_gives_a_card_back_to_the_best_guesses(liked: int, explored: int) -> None:
    # With nothing liked yet there is nothing to guess from: every card explores. Exploring stops at five
    # liked papers (the scorer then sends no novelty).
    pick = blend_pick(list(range(10)), dict.fromkeys(range(10), 1.0), {}, view(liked), set(), 5)
    assert len(pick.chosen) == 5 and len(pick.explored) == explored
    small = blend_pick(list(range(10)), dict.fromkeys(range(10), 1.0), {}, view(0), set(), 3)
    assert not small.explored  # a digest under five cards does not explore


def test_taste_summary_names_what_the_liked_papers_share(grpo_db: sqlite_utils.Database) -> None:
    lines = taste_summary(grpo_db, REF).splitlines()
    assert "Its liked papers share: GRPO" in lines  # as the papers print it


def test_labels_skip_stop_words_spaced_dashes_and_repeats() -> None:
    # "news" folds to "new", a stop word: never quoted, even though the card prints "New".
    assert as_written("new", "A New Look at Fake News") is None
    assert as_written("grpo agent", "GRPO - Agents for all") is None  # a spaced dash splits the pair
    assert as_written("self driving", "Self-driving cars") == "Self-driving"
    # A pair and its own first word say the same thing once.
    text = "Reinforcement learning for reinforcement of bridges"
    assert label_terms(["reinforcement learning", "reinforcement", "bridge"], text) == (
        "Reinforcement learning",
        "bridges",
    )


def test_exploring_cards_say_they_explore_whatever_else_is_true() -> None:
    assert why((), ("Liked", 1), explored=True, shares=("GRPO",)) == WHY_EXPLORE


@pytest.mark.parametrize(("liked", "explored"), [(0, 10), (1, 8), (2, 6), (3, 4), (4, 2)])
def test_a_ten_card_digest_gives_back_a_fifth_per_paper_liked(liked: int, explored: int) -> None:
    pick = blend_pick(list(range(12)), dict.fromkeys(range(12), 1.0), {}, view(liked, 12), set(), 10)
    assert len(pick.chosen) == 10 and len(pick.explored) == explored


def test_a_topic_digest_with_taste_does_not_call_the_rest_trending(grpo_db: sqlite_utils.Database) -> None:
    digest = build_digest(
        grpo_db,
        REF,
        "2026-06-10",
        size=5,
        topics=("screenshots",),
        skip_sent=False,
        taste=TasteScorer(grpo_db),
    )
    assert [c.why for c in digest.cards[:2]] == ["matches screenshots", f"shares “GRPO” {WHY_SHARES}"]
    assert digest.note.endswith("; the rest is what this channel's votes and trending suggest.")


def test_code_is_a_topic_word_not_a_stop_word() -> None:
    # "Code is available" made "code" a stop word, so "code generation" taught only "generation": a channel
    # liking code papers could not be told from one liking image generation (bench/taste.py: +0.3 taste only).
    terms = taste.paper_terms("Code Generation with Repository Context", "We train code LLMs.")
    assert {"code", "code generation", "code llm"} <= terms.keys()
    assert as_written("code generation", "Repository-level Code Generation") == "Code Generation"


def test_a_label_names_a_subject_not_a_manner_of_speaking() -> None:
    # Two rare markers shared by all liked papers; only "grpo" is a subject (here from titles, standing in
    # for keywords), so only it may be named on a card ("showing" may be shared, but names no subject).
    papers = {
        "t1": ("GRPO for agents", "Showing gains."),
        "t2": ("GRPO for robots", "Showing more."),
        "t3": ("Vision models", "Plain text."),
        "t4": ("Speech models", "Plain text."),
    }
    texts = [taste.paper_terms(title, abstract) for title, abstract in papers.values()]
    idf, _ = taste.idf(texts * 20 + [{"filler": 1.0}] * 2000)
    book = taste_markers.TermBook(
        idf, taste_markers.subjects(taste.paper_terms(title, "") for title, _ in papers.values())
    )
    for paper, terms in zip(papers, texts, strict=True):
        book.add(paper, terms)
    weights = book.markers(["t1", "t2"], ["t3", "t4"])
    assert {book.names[t] for t in weights} >= {"grpo", "showing"}
    assert [book.names[t] for t in book.telling(weights)] == ["grpo"]


def test_taste_summary_spells_words_as_the_papers_print_them(fresh_db: sqlite_utils.Database) -> None:
    # Terms are stored folded ("physics" -> "physic", "bias" -> "bia"); /papers taste shows them as printed.
    liked = [
        hf_item(f"2606.4000{n}", f"Physics bias in {what}", f"Physics priors and bias in {what}.", upvotes=5)
        for n, what in enumerate(("video models", "world models", "robot policies"))
    ]
    others = [
        hf_item(f"2606.4100{n}", f"Speech codecs {n}", "Neural speech codecs for audio.", upvotes=5)
        for n in range(3)
    ]
    load(fresh_db, liked + others)
    for n in range(3):
        cast_vote(fresh_db, REF, f"2606.4000{n}", "ana", 1, toggle=False)
    lines = taste_summary(fresh_db, REF).splitlines()
    towards = next(line for line in lines if line.startswith("Leans towards: "))
    words = towards.removeprefix("Leans towards: ").split(", ")
    assert {"physics", "bias"} <= set(words)
    assert not {"physic", "bia"} & set(words)
