"""Semantic search (PAPERBOT_SEMANTIC): blending meaning into the ranking, related papers when the words run
out, the vectors' life in the database, and the one-line answers when it is off or not installed.

Most tests use a stand-in sentence model (a small thesaurus: words of one sense share a dimension), so
they run without the 1.5 GB extra; the last ones run the real model when the extra is installed."""

from __future__ import annotations

import importlib.util
import json
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperbot.bot import cli_common, doctor, embedding
from paperbot.bot.app import Bot
from paperbot.bot.cli import app
from paperbot.bot.commands import search_reply
from paperbot.bot.config import load_settings
from paperbot.bot.context import Context, Defaults
from paperbot.bot.ingest import import_batch, store_papers
from paperbot.bot.models import Paper
from paperbot.bot.search import search
from paperbot.bot.semantic import (
    WHY_RELATED,
    Semantic,
    blend,
    cosine,
    embed_missing,
    pack,
    paper_text,
    related,
    unpack,
)
from paperbot.bot.service import more_like
from paperbot.bot.sources.files import load_file
from paperbot.storage import papers as paper_store
from paperbot.storage import vectors as vector_store
from paperbot.storage.db import open_db
from paperbot.storage.lock import EmbedLock
from tests.conftest import bot_env, inspect, shared_data
from tests.factories import day_items, hf_item
from tests.fakes.hf import FakeHF

SENSES = {
    **dict.fromkeys(("uncertainty", "bayesian", "calibration", "calibrated", "posterior"), 0),
    **dict.fromkeys(("driving", "vehicle", "vehicles", "autonomous", "traffic"), 1),
    **dict.fromkeys(("animation", "character", "videos", "pose", "animate"), 2),
    **dict.fromkeys(("robot", "grasping"), 3),
}


class Thesaurus:
    """A stand-in Embedder: a text's vector counts its words per sense; other words count for nothing."""

    model = "thesaurus"

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts.extend(texts)
        vectors = []
        for text in texts:
            vec = [0.0] * 4
            for word in re.findall(r"[a-z]+", text.lower()):
                if word in SENSES:
                    vec[SENSES[word]] += 1.0
            vectors.append(vec)
        return vectors


def thesaurus() -> Semantic:
    return Semantic(Thesaurus, Thesaurus.model)


PAPERS = [
    Paper(
        "2606.00001", "Uncertainty estimates for language models", "We measure the uncertainty of answers."
    ),
    Paper(
        "2606.00002", "Bayesian calibration of classifiers", "A calibrated Bayesian posterior for networks."
    ),
    Paper("2606.00003", "Robot grasping in clutter", "A robot learns grasping from few trials."),
    Paper("2606.00004", "Posterior sampling of calibration sets", "Bayesian calibration, fast."),
]


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


async def test_the_running_bot_embeds_what_a_fetch_brings_and_survives_a_failing_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_hf: FakeHF, caplog: pytest.LogCaptureFixture
) -> None:
    bot_env(monkeypatch, tmp_path, HF_API_URL=fake_hf.url)
    today = datetime.now(UTC).date().isoformat()
    fake_hf.days[today] = day_items(today, 6)
    bot = Bot(load_settings(), tick_seconds=3600)
    assert bot.semantic is None  # off unless PAPERBOT_SEMANTIC says otherwise

    def broken() -> Thesaurus:
        raise RuntimeError("model files damaged")

    bot.semantic = Semantic(broken, Thesaurus.model)
    await bot.fetch()  # the fetch and its delivery pass go on; the failure is logged
    db = inspect(bot)
    assert paper_store.paper_count(db) == 6 and vector_store.counts(db, Thesaurus.model) == (0, 6)
    assert "embedding new papers failed" in caplog.text and "model files damaged" in caplog.text
    # Search goes on by words alone, and says so in the log.
    words_only = search(db, "experts", semantic=bot.semantic)
    assert words_only.hits and not any(h.related for h in words_only.hits)
    assert "answering by words alone" in caplog.text
    bot.semantic = thesaurus()
    other = EmbedLock(bot.settings.paperbot_db, "embed")  # a `paperbot embed` at work meanwhile
    other.acquire()
    caplog.set_level(logging.INFO, logger="paperbot.bot.app")
    await bot.fetch()
    assert vector_store.counts(db, Thesaurus.model) == (0, 6) and "is embedding papers" in caplog.text
    other.release()
    await bot.fetch()
    assert vector_store.counts(db, Thesaurus.model) == (6, 6)
    await bot.stop()


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_one_process_embeds_at_a_time_and_the_other_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path = bot_env(monkeypatch, tmp_path, PAPERBOT_SEMANTIC="true")
    model = thesaurus()
    monkeypatch.setattr(cli_common, "semantic_search", lambda on: model if on else None)
    day = tmp_path / "2026-06-10.json"
    day.write_text(json.dumps([hf_item(p.id, p.title, p.summary) for p in PAPERS[:2]]))
    code, out, _ = _cli("import", str(day))
    assert code == 0 and "2 of 2 papers have meaning vectors" in out
    other = EmbedLock(db_path, "embed")  # as if another process were embedding from the same file
    other.acquire()
    day.write_text(json.dumps([hf_item(p.id, p.title, p.summary) for p in PAPERS[2:]]))
    code, out, _ = _cli("import", str(day))
    assert code == 0 and "is embedding papers from bot.db; `paperbot embed` adds what it leaves" in out
    code, out, _ = _cli("embed")  # the work is being done: not a failure for a scheduled job
    assert code == 0 and "is embedding papers from bot.db" in out and "2 of 4" not in out
    other.release()
    # An import embeds as many papers as it brought (newest first), not the back-log.
    day.write_text(json.dumps([hf_item("2606.00005", "Bayesian posterior calibration", "Calibrated.")]))
    code, out, _ = _cli("import", str(day))
    assert code == 0 and "3 of 5 papers have meaning vectors; `paperbot embed` adds the other 2" in out
    code, out, _ = _cli("embed")
    assert code == 0 and "5 of 5 papers have meaning vectors" in out
    code, out, _ = _cli("demo", "--from", str(day), "--query", "uncertainty")
    assert code == 0 and "5 of 5 papers have meaning vectors" in out and WHY_RELATED in out


def test_embed_says_how_to_turn_semantic_search_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bot_env(monkeypatch, tmp_path)
    code, _, err = _cli("embed")
    assert code == 2 and "PAPERBOT_SEMANTIC=true" in err and len(err.strip().splitlines()) == 1


def test_semantic_on_without_the_extra_fails_in_one_line_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot_env(monkeypatch, tmp_path)
    monkeypatch.setenv("PAPERBOT_SEMANTIC", "true")
    monkeypatch.setattr(embedding, "PACKAGES", ("paperbot_no_such_package",))
    day = tmp_path / "2026-06-10.json"
    day.write_text(json.dumps([hf_item("2606.00001", "Sparse Mixture-of-Experts", "MoE layers.")]))
    for args in (("import", str(day)), ("search", "moe"), ("status",)):
        code, _, err = _cli(*args)
        assert code == 2 and embedding.MISSING in err and len(err.strip().splitlines()) == 1, args
    code, out, _ = _cli("doctor")
    assert code == 1 and f"FAIL  semantic search: {embedding.MISSING} -> fix: install it" in out
    monkeypatch.delenv("PAPERBOT_SEMANTIC")
    code, out, _ = _cli("search", "moe", "--json")
    assert code == 0 and json.loads(out) == []  # the failed import stored nothing


def test_doctor_fails_semantic_search_that_has_no_vectors_yet(
    db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    bot_env(monkeypatch, tmp_path, PAPERBOT_SEMANTIC="true")
    monkeypatch.setattr(doctor, "semantic_search", lambda on: thesaurus())
    [check] = doctor.check_semantic(load_settings(), db)
    assert (
        not check.ok
        and "0 of 4 papers have meaning vectors" in check.detail
        and "paperbot embed" in check.fix
    )
    embed_missing(db, thesaurus(), 1)
    [check] = doctor.check_semantic(load_settings(), db)
    assert (
        check.ok and "1 of 4 papers have meaning vectors; `paperbot embed` adds the other 3" in check.detail
    )


needs_model = pytest.mark.skipif(
    any(importlib.util.find_spec(name) is None for name in embedding.PACKAGES),
    reason="the semantic extra is not installed (pip install -e '.[semantic]')",
)


@needs_model
def test_the_real_model_embeds_on_import_and_finds_related_papers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot_env(monkeypatch, tmp_path)
    monkeypatch.setenv("PAPERBOT_SEMANTIC", "true")
    items = [
        hf_item("2606.00011", "Uncertainty of language model answers", "How sure is a model of its answer?"),
        hf_item(
            "2606.00012",
            "Knowing when a model does not know",
            "Bayesian ensembles give calibrated confidence and flag out-of-distribution inputs.",
        ),
        hf_item("2606.00013", "A faster sorting network", "Sorting integers on GPUs."),
    ]
    day = tmp_path / "2026-06-10.json"
    day.write_text(json.dumps(items))
    code, out, _ = _cli("import", str(day))
    assert code == 0 and "3 of 3 papers have meaning vectors" in out
    code, out, _ = _cli("search", "uncertainty", "--json")
    rows = json.loads(out)
    assert code == 0 and [(r["id"], r["related"]) for r in rows] == [
        ("2606.00011", False),
        ("2606.00012", True),
    ]
    _, out, _ = _cli("doctor")
    assert (
        "ok    semantic search: all-MiniLM-L6-v2 loads and embeds; 3 of 3 papers have meaning vectors" in out
    )
    day.write_text(json.dumps([hf_item("2606.00014", "Sorting, again", "Faster sorting.")]))
    monkeypatch.delenv("PAPERBOT_SEMANTIC")
    assert _cli("import", str(day))[0] == 0  # stored without a vector: semantic search was off
    monkeypatch.setenv("PAPERBOT_SEMANTIC", "true")
    _, out, _ = _cli("doctor")
    assert (
        "ok    semantic search: all-MiniLM-L6-v2 loads and embeds; 3 of 4 papers have meaning vectors; "
        in out
    )


@needs_model
def test_the_real_model_keeps_a_lexical_trap_out_of_the_top_five() -> None:
    """`self-driving cars` on the recorded June days: "driving videos" (character animation), "driving
    forces" and a depth method's "CAR" share the words; the papers on autonomous driving share the meaning."""
    data = shared_data()
    judged = json.loads((data.parent / "eval" / "public_real_qrels.json").read_text())["queries"]
    avoid = set(judged["self-driving cars"]["avoid"])
    relevant = {pid for grade in ("1", "2") for pid in judged["self-driving cars"][grade]}
    db = open_db(memory=True)
    for path in sorted((data / "hf_daily_papers").glob("2026-06-*.json")):
        import_batch(db, load_file(path))
    lexical = search(db, "self-driving cars", limit=50).hits
    assert avoid & set(ids(lexical[:5]))  # the trap this test is about
    semantic = Semantic(embedding.SentenceModel, embedding.MODEL)
    # Only the candidates get vectors (the whole month would take a minute on one core).
    titles = {h.paper.title for h in lexical}
    rows = [row for row in vector_store.missing(db, semantic.model, 10_000) if row[1] in titles]
    blobs = semantic.vectors([paper_text(title, abstract) for _, title, abstract in rows])
    vector_store.save(db, semantic.model, [(row[0], blob) for row, blob in zip(rows, blobs, strict=True)])
    top = ids(search(db, "self-driving cars", limit=5, semantic=semantic).hits)
    assert not avoid & set(top) and len(relevant & set(top)) >= 3, top
