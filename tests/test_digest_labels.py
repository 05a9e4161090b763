"""What a digest card says about why it is there, and what a digest never shows: every `why` true of its
card (topic match, partial match, trending, taste), and no paper carrying a word a topic excludes."""

from __future__ import annotations

import pytest
import sqlite_utils

from paperbot.bot.digest import build_digest
from paperbot.bot.query import without_exclusions
from paperbot.bot.taste_blend import WHY_NEAR, WHY_TRENDING
from paperbot.bot.taste_scorer import TasteScorer
from paperbot.bot.votes import cast_vote
from tests.factories import hf_item
from tests.test_taste import REF, digest_ids, is_quant, load, robot, two_days


@pytest.fixture
def db(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    return two_days(fresh_db)


def test_why_says_trending_and_matches_truthfully(db: sqlite_utils.Database) -> None:
    digest = build_digest(db, REF, "2026-06-10", size=4, topics=("quantization",), skip_sent=False)
    whys = {c.arxiv_id: c.why for c in digest.cards}
    assert all(w == "matches quantization" for p, w in whys.items() if is_quant(p))
    assert all(w == "trending" for p, w in whys.items() if not is_quant(p))
    assert sum(1 for p in whys if is_quant(p)) == 3


def test_a_card_sharing_only_some_topic_words_says_so_not_trending(db: sqlite_utils.Database) -> None:
    # The quantization papers share "quantization" with the topic but not "audio codecs", and they are the
    # day's least upvoted: not "trending", and not "suggested by votes" after the channel's one 👎 either.
    for votes in ((), (("2606.20000", -1),)):
        for paper, value in votes:
            cast_vote(db, REF, paper, "ana", value, toggle=False)
        digest = build_digest(
            db,
            REF,
            "2026-06-10",
            size=4,
            topics=("audio codec quantization",),
            skip_sent=False,
            taste=TasteScorer(db),
        )
        whys = {c.arxiv_id: c.why for c in digest.cards}
        assert sum(1 for p in whys if is_quant(p)) == 3
        assert all(w == f"{WHY_NEAR} audio codec quantization" for p, w in whys.items() if is_quant(p))
        assert all(w == WHY_TRENDING for p, w in whys.items() if not is_quant(p))
        rest = (
            "partly matches them, or what this channel's votes and trending suggest."
            if votes
            else "partly matches them or is trending."
        )
        assert digest.note.endswith(rest)


def test_trending_means_among_the_top_papers_the_channel_can_still_be_shown(
    fresh_db: sqlite_utils.Database,
) -> None:
    # The channel liked the day's two most upvoted papers (never shown to it again); the next three are
    # the top of what it can be shown, nothing like what it liked: "trending", not "suggested by votes".
    sky = "Exoplanet transit photometry with space telescopes and stellar spectra."
    stars = [hf_item(f"2606.3000{n}", f"Exoplanet survey {n}", sky, upvotes=100 - n) for n in range(2)]
    load(fresh_db, stars + [robot(n, "2026-06-10", 50 - n) for n in range(10, 14)])
    for n in range(2):
        cast_vote(fresh_db, REF, f"2606.3000{n}", "ana", 1, toggle=False)
    digest = build_digest(fresh_db, REF, "2026-06-10", size=3, skip_sent=False, taste=TasteScorer(fresh_db))
    assert [c.why for c in digest.cards] == [WHY_TRENDING] * 3
    assert [c.arxiv_id for c in digest.cards] == [f"2606.2{n:04d}" for n in range(10, 13)]


@pytest.mark.parametrize(
    ("topic", "label"),
    [
        ('quantization -humanoid -"robot arms"', "quantization"),
        (
            'quantization -"robot arms',
            "quantization",
        ),  # an unclosed quote excludes the rest, as search reads it
    ],
)
def test_a_label_names_a_topic_without_its_exclusions(
    db: sqlite_utils.Database, topic: str, label: str
) -> None:
    digest = build_digest(db, REF, "2026-06-10", size=4, topics=(topic,), skip_sent=False)
    labelled = [c for c in digest.cards if c.matched_topics or c.why.startswith(WHY_NEAR)]
    assert labelled and all(
        c.matched_topics in ((topic,), ()) for c in labelled
    )  # the subscription, as stored
    assert all(c.why in (f"matches {label}", f"{WHY_NEAR} {label}") for c in labelled)
    # Read as search reads it: a quoted phrase excludes nothing, and "-author:" is an author filter.
    assert without_exclusions('"agents -benchmark"') == '"agents -benchmark"'
    assert without_exclusions("llm -author:smith") == "llm -author:smith"


def test_taste_never_brings_an_excluded_word(db: sqlite_utils.Database) -> None:
    for n in range(3):
        cast_vote(db, REF, f"2606.1{n:04d}", "ana", 1, toggle=True)
    # Nothing matches "diffusion": taste fills the digest, except with what the topic excludes.
    assert all(is_quant(p) for p in digest_ids(db, topics=("diffusion",)))
    excluded = digest_ids(db, topics=("diffusion -quantization",))
    assert excluded and not any(is_quant(p) for p in excluded)


def test_an_excluded_word_is_never_in_a_digest_with_or_without_votes(db: sqlite_utils.Database) -> None:
    # "-humanoid" in one topic keeps every humanoid paper out, though they top the day's trending list and
    # the channel has not voted: the digest is the three quantization matches, and nothing to fill it.
    topics = ("robot -humanoid", "quantization")
    digest = build_digest(
        db, REF, "2026-06-10", size=5, topics=topics, skip_sent=False, taste=TasteScorer(db)
    )
    assert [is_quant(c.arxiv_id) for c in digest.cards] == [True] * 3
    cast_vote(db, REF, "2606.10000", "ana", 1, toggle=False)
    assert all(is_quant(p) for p in digest_ids(db, topics=topics))
