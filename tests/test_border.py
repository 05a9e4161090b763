"""Parse at the border: wrong-typed, impossible or huge fields from Hugging Face, arXiv and import files.
A bad record is skipped and counted with a reason naming it; it never fails its day or file, and nothing
stored can crash search later."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.signature import SignatureVerifier
from typer.testing import CliRunner

from paperbot.adapters.slack.http import signed
from paperbot.bot.cli import app
from paperbot.bot.sources import hf
from paperbot.bot.sources.arxiv import parse_feed
from paperbot.bot.sources.records import count
from tests.conftest import bot_env
from tests.factories import hf_item
from tests.fakes.hf import FakeHF
from tests.test_cli import _run_cli as run_cli

DAY = "2026-06-10"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return bot_env(monkeypatch, tmp_path)


def good(n: int, title: str = "Sparse Mixture of Experts") -> dict[str, Any]:
    return hf_item(f"2606.{n:05d}", f"{title} {n}", f"We study mixture of experts, paper {n}.", upvotes=n)


def with_paper(item: dict[str, Any], **fields: Any) -> dict[str, Any]:
    item["paper"].update(fields)
    return item


def hostile_day() -> list[Any]:
    """Five usable papers with odd optional fields, and nine records that are not papers."""
    return [
        with_paper(good(1), upvotes=2**64, githubStars=-3),  # clamped, dropped
        with_paper(good(2), authors="Ada Lovelace, Alan Turing"),  # a string, split
        with_paper(good(3), publishedAt="2026-13-45T00:00:00.000Z"),  # impossible date: unknown
        with_paper(good(4), authors=[None, {"name": None}, {"name": "Grace Hopper"}], organization=None),
        with_paper(good(5), title="Huge " + "x" * 1_000_000, ai_keywords=[1, None, "moe"], upvotes="12"),
        with_paper(good(6), summary=42),  # a number where text belongs
        with_paper(good(7), title=["not", "text"]) | {"title": ["not", "text"]},
        with_paper(good(8), id=None),
        with_paper(good(9), id="2606.00009; DROP TABLE papers"),
        {**good(10), "paper": None},
        None,
        "a string",
        12,
        with_paper(good(11), title=None) | {"title": None},
    ]


def test_a_hostile_day_keeps_its_good_papers(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="paperbot.bot.sources.hf"):
        parsed = hf.parse_day(hostile_day(), DAY)
    papers = {lp.paper.id: lp.paper for lp in parsed.listed}
    assert sorted(papers) == [f"2606.{n:05d}" for n in range(1, 6)]
    assert [lp.rank for lp in parsed.listed] == [1, 2, 3, 4, 5]
    assert papers["2606.00001"].upvotes == 2**63 - 1 and papers["2606.00001"].stars is None
    assert papers["2606.00002"].authors == ("Ada Lovelace", "Alan Turing")
    assert papers["2606.00003"].published_at is None
    assert papers["2606.00004"].authors == ("Grace Hopper",) and papers["2606.00004"].organization is None
    assert len(papers["2606.00005"].title) <= 1000 and papers["2606.00005"].ai_keywords == ("moe",)
    assert papers["2606.00005"].upvotes == 12
    assert len(parsed.skipped) == 9
    assert "item 6 ('2606.00006'): summary must be text, not int" in parsed.skipped
    assert any("item 9" in r and "not an arXiv id" in r for r in parsed.skipped)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 9 and all(w.startswith("skipping daily_papers item") for w in warnings)


def test_import_of_a_hostile_day_imports_the_good_papers(env: Path, tmp_path: Path) -> None:
    path = tmp_path / f"{DAY}.json"
    path.write_text(json.dumps(hostile_day()))
    code, out, err = cli("import", str(path))
    assert code == 0, err
    assert "5 papers" in out and f"{DAY} (5)" in out
    assert "skipped 9 bad records (item 6: summary must be text, not int;" in " ".join(err.split())
    code, out, _ = cli("search", "mixture of experts", "--json")
    assert code == 0 and len(json.loads(out)) == 5
    assert {r["upvotes"] for r in json.loads(out)} >= {2**63 - 1}


def test_jsonl_import_skips_and_counts_bad_lines(env: Path, tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "s1", "title": "Mixture of experts routing", "summary": "MoE.", "upvotes": -1}),
        json.dumps({"id": "s2", "title": "Bad date", "summary": "Experts.", "published_at": "2026-13-45"}),
        json.dumps({"id": "s3", "title": "Numbers", "summary": 7}),
        "not json at all",
        json.dumps({"id": "s4", "title": "Authors as text", "summary": "x", "authors": "P Q, R S"}),
        json.dumps({"title": "No id", "summary": "x"}),
        json.dumps({"id": "s5", "title": "Huge", "summary": "y" * 5_000_000}),
    ]
    path = tmp_path / "papers.jsonl"
    path.write_text("\n".join(lines) + "\n")
    code, out, err = cli("import", str(path))
    flat = " ".join(err.split())
    assert code == 0, err
    assert "papers.jsonl: 4 papers" in out
    assert "skipped 3 bad records (line 3: summary must be text, not int; line 4: not valid JSON" in flat
    assert "line 6: missing id" in flat
    code, out, _ = cli("search", "experts", "--json")
    assert code == 0 and {r["id"] for r in json.loads(out)} == {"s1", "s2"}


def test_arxiv_entries_are_validated_one_by_one() -> None:
    def entry(arxiv_id: str, title: str, published: str) -> str:
        return (
            f"<entry><id>http://arxiv.org/abs/{arxiv_id}</id><title>{title}</title>"
            f"<summary>Abstract.</summary><published>{published}</published>"
            "<author><name>Ada</name></author></entry>"
        )

    feed = (
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        + entry("2606.00001v1", "Good", "2026-06-09T17:59:00Z")
        + entry("2606.00002v2", "Impossible date", "2026-13-45T00:00:00Z")
        + entry("not-an-id!", "Bad id", "2026-06-09T00:00:00Z")
        + entry("2606.00004", "  ", "2026-06-09T00:00:00Z")
        + "</feed>"
    )
    papers = parse_feed(feed)
    assert [(p.id, p.published_at) for p in papers] == [("2606.00001", "2026-06-09"), ("2606.00002", None)]


async def test_fetch_of_a_hostile_day_stores_the_good_papers(
    env: Path, fake_hf: FakeHF, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_hf.days[DAY] = hostile_day()
    monkeypatch.setenv("HF_API_URL", fake_hf.url)
    proc = await run_cli(["fetch", "--date", DAY], env)
    assert proc.returncode == 0, proc.stderr
    assert f"{DAY}: 5 papers (9 bad records skipped)" in proc.stdout


def test_search_survives_an_impossible_date_already_stored(env: Path, tmp_path: Path) -> None:
    """A database written before dates were checked at the border: `2026-13-45` sorts highest."""
    path = tmp_path / "ok.jsonl"
    rows = [{"id": f"s{n}", "title": f"Mixture of experts {n}", "summary": "MoE."} for n in range(3)]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    assert cli("import", str(path))[0] == 0
    with sqlite3.connect(env) as conn:
        conn.execute("UPDATE papers SET published_at = '2026-13-45' WHERE id = 's1'")
        conn.execute("UPDATE papers SET published_at = '2026-06-01' WHERE id = 's2'")
    code, out, err = cli("search", "experts", "--json")
    assert code == 0, err
    assert {r["id"] for r in json.loads(out)} == {"s0", "s1", "s2"}


def test_absurd_json_is_a_bad_file_or_line_not_a_traceback(env: Path, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 50_000 + "]" * 50_000)
    code, _, err = cli("import", str(deep))
    assert code == 2 and "nested too deeply" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    huge = tmp_path / "huge.jsonl"
    big = "9" * 5_000  # past Python's 4,300-digit limit for int()
    huge.write_text(
        '{"id": "h1", "title": "Huge counts", "summary": "Experts.", "upvotes": '
        + big
        + "}\n"
        + "[" * 50_000
        + "]" * 50_000
        + "\n"
        + json.dumps({"id": "h2", "title": "Fine", "summary": "Experts."})
        + "\n"
    )
    code, out, err = cli("import", str(huge))
    assert code == 0, err
    assert "huge.jsonl: 2 papers" in out and "line 2: not valid JSON (nested too deeply)" in " ".join(
        err.split()
    )
    code, out, _ = cli("search", "huge counts", "--json")
    assert json.loads(out)[0]["upvotes"] == 2**63 - 1  # clamped, as the README says


def test_control_characters_never_reach_a_terminal(env: Path, tmp_path: Path) -> None:
    path = tmp_path / f"{DAY}.json"
    path.write_text(json.dumps([good(1, "Clear\x1b[2J the \x1b]0;pwned\x07screen \x9b experts")]))
    assert cli("import", str(path))[0] == 0
    code, out, _ = cli("search", "experts")
    assert code == 0 and "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "Clear[2J the ]0;pwnedscreen experts" in out


async def test_fetch_of_absurd_json_is_one_line_and_recorded(
    env: Path, fake_hf: FakeHF, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_hf.raw[DAY] = b"[" * 50_000 + b"]" * 50_000
    monkeypatch.setenv("HF_API_URL", fake_hf.url)
    proc = await run_cli(["fetch", "--date", DAY], env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{DAY}: Hugging Face sent something that is not JSON" in proc.stderr
    status = await run_cli(["status"], env)
    assert "not JSON" in status.stdout  # visible, not silent


def test_digit_like_text_is_never_read_as_a_number() -> None:
    # "²".isdigit() is true, yet int("²") raises: a superscript count, milestone or Slack timestamp is
    # unknown or refused, never a crash.
    assert count("²") is None and count("12") == 12
    assert count("9" * 5_000) == 2**63 - 1  # past int()'s 4,300-digit limit: clamped like a number
    headers = {"X-Slack-Request-Timestamp": "²", "X-Slack-Signature": "v0=00"}
    assert signed(SignatureVerifier("secret"), headers, "") is False
