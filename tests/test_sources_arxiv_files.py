from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from aiohttp import web

from paperbot.bot.sources.arxiv import ArxivClient, parse_feed
from paperbot.bot.sources.files import FileImportError, load_file
from paperbot.bot.sources.hf import BadResponse
from tests.conftest import shared_data
from tests.factories import day_items
from tests.fakes.server import serve

NEW_LAYOUT = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
      xmlns:arxiv="http://arxiv.org/schemas/atom">
  <id>https://arxiv.org/api/abc</id>
  <title>arXiv Query: search_query=cat:cs.LG</title>
  <opensearch:totalResults>1</opensearch:totalResults>
  <entry>
    <id>https://arxiv.org/abs/2606.12345v3</id>
    <title>Routing Tokens to
  Experts</title>
    <updated>2026-06-10T00:00:00Z</updated>
    <link href="https://arxiv.org/pdf/2606.12345v3" rel="related" type="application/pdf" title="pdf"/>
    <summary>  Mixture of experts (MoE)
 routing.</summary>
    <author><name>Grace Hopper</name></author>
    <published>2026-06-09T17:00:00Z</published>
    <arxiv:primary_category term="cs.LG"/>
  </entry>
</feed>"""

EMPTY = """<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>"""


def test_recorded_arxiv_samples_parse() -> None:
    data = shared_data() / "arxiv"
    search = parse_feed((data / "api_query_search_sample.atom").read_bytes())
    assert [p.id for p in search] == ["2510.14968", "2510.14827"]
    assert search[0].authors[0] == "Mingxuan Yan"
    assert "\n" not in search[0].title and search[0].published_at == "2025-10-16"
    by_id = parse_feed((data / "api_query_id_list_sample.atom").read_bytes())
    assert [p.id for p in by_id] == ["1601.00001"]


def test_newer_layout_and_empty_feed() -> None:
    (paper,) = parse_feed(NEW_LAYOUT)
    assert paper.id == "2606.12345"
    assert paper.title == "Routing Tokens to Experts"
    assert paper.summary == "Mixture of experts (MoE) routing."
    assert paper.authors == ("Grace Hopper",)
    assert parse_feed(EMPTY) == []
    with pytest.raises(BadResponse):
        parse_feed("<feed><entry>")
    with pytest.raises(BadResponse):
        parse_feed("<html></html>")


async def test_arxiv_client_spaces_requests() -> None:
    seen: list[float] = []

    async def query(request: web.Request) -> web.Response:
        seen.append(time.monotonic())
        return web.Response(text=NEW_LAYOUT, content_type="application/atom+xml")

    app = web.Application()
    app.router.add_get("/api/query", query)
    runner, url = await serve(app)
    client = ArxivClient(f"{url}/api/query", min_interval=0.3)
    try:
        results = await asyncio.gather(client.by_ids(["2606.12345v3"]), client.newest("cs.LG", 5))
    finally:
        await client.aclose()
        await runner.cleanup()
    assert [r[0].id for r in results] == ["2606.12345", "2606.12345"]
    assert seen[1] - seen[0] >= 0.3
    with pytest.raises(ValueError):
        await ArxivClient().newest("cs.LG) OR (x")


def test_hf_array_file_takes_its_day_from_the_items(tmp_path: Path) -> None:
    path = tmp_path / "papers.json"
    path.write_text(json.dumps(day_items("2026-06-11", 4)))
    batch = load_file(path)
    assert batch.days == ["2026-06-11"] and len(batch.papers) == 4
    assert load_file(path, day="2026-06-12").days == ["2026-06-12"]


def test_jsonl_file(tmp_path: Path) -> None:
    path = tmp_path / "papers.jsonl"
    rows = [
        {"id": "s1", "title": "A", "summary": "x", "authors": ["P Q"], "upvotes": 3},
        {"id": "s2", "title": "B", "summary": "y", "published_at": "2026-01-02"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    batch = load_file(path)
    assert [p.id for p in batch.papers] == ["s1", "s2"] and batch.listed == []
    assert batch.papers[0].authors == ("P Q",) and batch.papers[1].published_at == "2026-01-02"
    ranked = load_file(path, day="2026-06-10").listed
    assert [lp.paper.id for lp in ranked] == ["s1", "s2"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("[1, 2", "not valid JSON"),
        # a file with no usable record at all is rejected whole, naming the first bad one
        ('{"id": "b"}\n{"id": "c", "title": 5, "summary": "s"}\n', "line 1: missing title, summary"),
        ("{not json\n{also not\n", "line 1: not valid JSON"),
        ("hello", "expected a JSON array"),
        ('[{"paper": {"id": "x"}}]', "item 1"),
    ],
)
def test_bad_files_say_where(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(FileImportError, match=message):
        load_file(path)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(FileImportError, match="no such file"):
        load_file(tmp_path / "nope.json")
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(FileImportError, match="UTF-8"):
        load_file(binary)
