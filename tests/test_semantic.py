"""Semantic search (PAPERBOT_SEMANTIC): blending meaning into the ranking, related papers when few papers
hold the words, and the vectors' life in the database, with the stand-in sentence model of
tests/fakes/embedder.py. The commands, the running bot and the real model: tests/test_semantic_commands.py."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from paperbot.bot.commands import search_reply
from paperbot.bot.context import Context, Defaults
from paperbot.bot.ingest import store_papers
from paperbot.bot.models import Paper
from paperbot.bot.search import search
from paperbot.bot.semantic import WHY_RELATED, blend, cosine, embed_missing, pack, related, unpack
from paperbot.bot.service import more_like
from paperbot.storage import vectors as vector_store
from paperbot.storage.db import open_db
from tests.fakes.embedder import PAPERS, Thesaurus, thesaurus


@pytest.fixture
def db():  # type: ignore[no-untyped-def]
    database = open_db(memory=True)
    store_papers(database, PAPERS)
    return database


def ids(hits: Sequence[object]) -> list[str]:
    return [h.paper.id for h in hits]  # type: ignore[attr-defined]


def test_vectors_are_stored_unit_length_and_compared_by_dot_product() -> None:
    vec = unpack(pack([3.0, 4.0]))
    assert list(vec) == pytest.approx([0.6, 0.8])
    assert cosine(vec, unpack(pack([0.0, 2.0]))) == pytest.approx(0.8)
    assert list(unpack(pack([0.0, 0.0]))) == [0.0, 0.0]  # no words of any sense: unrelated to all
    assert cosine(vec, unpack(pack([1.0, 0.0, 0.0]))) == 0.0  # another model's size: never compared


def test_blend_moves_the_candidate_closest_in_meaning_up_and_keeps_the_rest_below() -> None:
    ranked = [(1, 3.0, ("a",)), (2, 2.9, ("a",)), (3, 1.0, ("a",))]
    vectors = {1: [0.0, 1.0], 2: [1.0, 0.0], 3: [1.0, 0.0]}
    # 2 matches the words almost as well as 1 and is closest in meaning; 3 matches them much less well.
    assert [pk for pk, _, _ in blend(ranked, [1.0, 0.0], vectors)] == [2, 3, 1]
    # Without a vector a candidate keeps its lexical standing (scaled 0..1): the best stays best.
    assert next(pk for pk, _, _ in blend(ranked, [1.0, 0.0], {2: [0.0, 1.0]})) == 1
    long = [(pk, 100.0 - pk, ()) for pk in range(60)]
    out = blend(long, [1.0, 0.0], {pk: [1.0, 0.0] for pk in range(60)})
    assert [pk for pk, _, _ in out[50:]] == list(range(50, 60))  # beyond the blend: their own order
    assert max(s for _, s, _ in out[50:]) < min(s for _, s, _ in out[:50])


def test_related_papers_follow_only_few_papers_holding_the_words(db) -> None:  # type: ignore[no-untyped-def]
    """Counted among the papers holding the words: papers the search's own feedback terms brought in
    do not count (a query held by 11 papers and expanded to 150 still gets related ones)."""
    semantic = thesaurus()
    embed_missing(db, semantic, 100)
    pk = {p.id: n + 1 for n, p in enumerate(PAPERS)}  # stored in this order
    ranked = [(pk["2606.00001"], 2.0, ("uncertainty",))] + [(1000 + n, 1.0, ()) for n in range(60)]
    out, found = semantic.rerank(db, "uncertainty", ranked, frozenset({pk["2606.00001"]}), lambda pks: set())
    assert found == {pk["2606.00002"], pk["2606.00004"]} and {row[0] for row in out[-2:]} == found
    many = frozenset(row[0] for row in ranked)
    assert semantic.rerank(db, "uncertainty", ranked, many, lambda pks: set())[1] == frozenset()


def test_related_papers_are_close_enough_and_skip_what_was_asked() -> None:
    pool = {1: [1.0, 0.0], 2: [0.6, 0.8], 3: [0.0, 1.0]}
    assert related([1.0, 0.0], pool, skip={1}, least=0.15, limit=5) == [(2, 0.6)]  # 3 is not related
    assert related([1.0, 0.0], pool, skip=set(), least=0.7, limit=5) == [(1, 1.0)]


def test_search_follows_the_word_matches_with_related_papers_labelled_as_such(db) -> None:  # type: ignore[no-untyped-def]
    assert ids(search(db, "uncertainty").hits) == ["2606.00001"]
    semantic = thesaurus()
    assert embed_missing(db, semantic, 100) == 4
    hits = search(db, "uncertainty", semantic=semantic).hits
    assert ids(hits)[0] == "2606.00001" and not hits[0].related and hits[0].matched == ("uncertainty",)
    assert sorted(ids(hits[1:])) == ["2606.00002", "2606.00004"]  # the robot paper is not related
    assert all(h.related and h.matched == () for h in hits[1:])
    # An excluded word holds for related papers too; an author filter is a rule of words: no related.
    assert ids(search(db, "uncertainty -posterior", semantic=semantic).hits) == ["2606.00001"]
    assert ids(search(db, 'uncertainty author:"Nobody"', semantic=semantic).hits) == []
    # Related papers come on every page: the list is the same whatever the page size.
    pages = [search(db, "uncertainty", limit=1, offset=n, semantic=semantic) for n in range(4)]
    assert [ids(p.hits) for p in pages] == [[pid] for pid in ids(hits)] + [[]]
    assert pages[0].total == 3


def test_a_query_the_archive_knows_nothing_of_gets_no_related_papers(db) -> None:  # type: ignore[no-untyped-def]
    semantic = thesaurus()
    embed_missing(db, semantic, 100)
    model = semantic.embedder
    assert isinstance(model, Thesaurus)
    asked = len(model.texts)
    # No paper holds the word: nothing anchors its meaning, and every paper would be a little "related".
    assert search(db, "calibrations -calibrations", semantic=semantic).hits == []
    assert search(db, "xyzzyqwert", semantic=semantic).hits == []
    assert len(model.texts) == asked  # nothing to blend: the query was not even embedded


def test_search_reply_says_why_a_related_card_is_there(db) -> None:  # type: ignore[no-untyped-def]
    semantic = thesaurus()
    embed_missing(db, semantic, 100)
    ctx = Context(db, Defaults(), semantic=semantic)
    reply = search_reply(ctx, "uncertainty")
    assert reply.digest is not None
    cards = reply.digest.cards
    assert cards[0].why == "" and cards[0].matched_topics == ("uncertainty",)
    assert [c.why for c in cards[1:]] == [WHY_RELATED, WHY_RELATED]
    assert all(c.matched_topics == () for c in cards[1:])
    # Paging through a chat: `/papers more` reaches the related papers too.
    first = search_reply(ctx, "uncertainty", limit=2)
    assert first.more and first.digest is not None and len(first.digest.cards) == 2
    rest = search_reply(ctx, "uncertainty", offset=2, limit=2)
    assert not rest.more and rest.digest is not None and rest.digest.cards[0].why == WHY_RELATED


def test_more_like_this_finds_papers_close_in_meaning(db) -> None:  # type: ignore[no-untyped-def]
    semantic = thesaurus()
    embed_missing(db, semantic, 100)
    words_only = more_like(Context(db, Defaults()), "2606.00001")
    assert words_only.digest is None  # no other title shares its words
    reply = more_like(Context(db, Defaults(), semantic=semantic), "2606.00001")
    assert reply.digest is not None
    assert sorted(c.arxiv_id for c in reply.digest.cards) == ["2606.00002", "2606.00004"]


def test_meaning_reorders_papers_that_share_the_words() -> None:
    database = open_db(memory=True)
    store_papers(
        database,
        [
            Paper(
                "2606.00010",
                "Driving videos for character animation",
                "Animate a character from driving videos.",
            ),
            Paper(
                "2606.00011",
                "Autonomous driving in traffic",
                "A policy for autonomous vehicles in dense traffic.",
            ),
        ],
    )
    semantic = thesaurus()
    embed_missing(database, semantic, 10)
    assert ids(search(database, "driving", semantic=semantic).hits) == ["2606.00011", "2606.00010"]


def test_vectors_are_made_once_newest_first_and_again_when_the_text_changes(db) -> None:  # type: ignore[no-untyped-def]
    semantic = thesaurus()
    assert embed_missing(db, semantic, 2) == 2
    model = semantic.embedder
    assert isinstance(model, Thesaurus)
    assert [t.split(".")[0] for t in model.texts] == [PAPERS[3].title, PAPERS[2].title]
    assert embed_missing(db, semantic, 100) == 2 and embed_missing(db, semantic, 100) == 0
    assert vector_store.counts(db, semantic.model) == (4, 4)
    store_papers(db, [Paper("2606.00003", "Robot grasping of transparent objects", PAPERS[2].summary)])
    assert vector_store.counts(db, semantic.model) == (3, 4)  # the old text's vector is gone
    assert embed_missing(db, semantic, 100) == 1 and model.texts[-1].startswith(
        "Robot grasping of transparent"
    )
    assert vector_store.counts(db, "another-model") == (0, 4)  # another model's vectors are never reused
