from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from paperbot.bot.sources.hf import BadResponse, HFClient, SourceError, parse_daily, parse_item
from tests.conftest import shared_data
from tests.factories import day_items, hf_item
from tests.fakes.hf import FakeHF


def test_every_recorded_day_parses() -> None:
    data = shared_data()
    files = sorted((data / "hf_daily_papers").glob("2026-06-*.json"))
    assert len(files) == 21
    for path in files:
        items = json.loads(path.read_text())
        listed = parse_daily(items, path.stem)
        assert len(listed) == len(items), path.name
        assert all(lp.day == path.stem for lp in listed)
        assert [lp.rank for lp in listed] == list(range(1, len(items) + 1))
        for lp in listed:
            assert lp.paper.title and lp.paper.summary and "v" not in lp.paper.id
        # ai_summary is present on nearly all June 2026 items and must be picked up
        assert sum(1 for lp in listed if lp.paper.ai_summary) >= len(listed) - 2


def test_legacy_schemas_parse() -> None:
    data = shared_data() / "hf_daily_papers" / "legacy"
    old = parse_daily(json.loads((data / "2024-03-12.raw.json").read_text()), "2024-03-12")
    assert len(old) == 9
    assert all(p.paper.ai_summary is None and p.paper.organization is None for p in old)
    assert all("\n" not in p.paper.title for p in old)  # 2024 titles wrap with newline + spaces
    mid = parse_daily(json.loads((data / "2025-09-08.json").read_text()))
    assert len(mid) == 7 and {p.day for p in mid} == {"2025-09-08"}


def test_generated_item_with_every_optional_field_absent() -> None:
    item = hf_item("2606.00001v2", "  A\n  wrapped   title ", "Abstract.", legacy=True)
    paper = parse_item(item)
    assert paper.id == "2606.00001"
    assert paper.title == "A wrapped title"
    assert paper.stars is None and paper.ai_keywords == () and paper.github_repo is None


def test_hidden_authors_and_organization() -> None:
    item = hf_item("2606.00002", "T", "S", organization="Kwai Keye", stars=7, github="https://github.com/x/y")
    item["paper"]["authors"].append({"_id": "h", "name": "Hidden Person", "hidden": True})
    paper = parse_item(item)
    assert "Hidden Person" not in paper.authors
    assert paper.organization == "Kwai Keye" and paper.stars == 7


def test_bad_items_are_skipped_not_fatal() -> None:
    items = [{"nope": 1}, hf_item("not-an-id", "T", "S"), hf_item("2606.00003", "Fine", "S")]
    listed = parse_daily(items, "2026-06-10")
    assert [lp.paper.id for lp in listed] == ["2606.00003"]
    with pytest.raises(BadResponse):
        parse_daily({"date": "x", "results": []}, "2026-06-10")


async def test_client_pages_through_more_than_100(fake_hf: FakeHF) -> None:
    fake_hf.days["2026-06-10"] = day_items("2026-06-10", 150)
    async with HFClient(fake_hf.url, backoff=0.01) as client:
        listed = await client.daily("2026-06-10")
    assert len(listed) == 150
    assert len({lp.paper.id for lp in listed}) == 150
    assert [r["p"] for r in fake_hf.requests] == ["0", "1"]
    assert all(r["limit"] == "100" for r in fake_hf.requests)


async def test_client_retries_500_then_succeeds(fake_hf: FakeHF) -> None:
    fake_hf.days["2026-06-10"] = day_items("2026-06-10", 3)
    fake_hf.fail(500, times=2)
    async with HFClient(fake_hf.url, backoff=0.01) as client:
        listed = await client.daily("2026-06-10")
    assert len(listed) == 3
    assert len(fake_hf.requests) == 3


async def test_client_gives_up_after_attempts(fake_hf: FakeHF) -> None:
    fake_hf.fail(503, times=10)
    async with HFClient(fake_hf.url, backoff=0.01, attempts=3) as client:
        with pytest.raises(SourceError, match="HTTP 503"):
            await client.daily("2026-06-10")
    assert len(fake_hf.requests) == 3


async def test_client_retries_a_timeout(fake_hf: FakeHF) -> None:
    fake_hf.days["2026-06-10"] = day_items("2026-06-10", 2)
    fake_hf.stall(1.0)
    async with HFClient(fake_hf.url, timeout=0.2, backoff=0.01) as client:
        listed = await client.daily("2026-06-10")
    assert len(listed) == 2
    assert len(fake_hf.requests) == 2


async def test_client_honours_retry_after(fake_hf: FakeHF) -> None:
    fake_hf.days["2026-06-10"] = day_items("2026-06-10", 1)
    fake_hf.throttle(retry_after=0.5)
    async with HFClient(fake_hf.url, backoff=0.01) as client:
        await client.daily("2026-06-10")
    first, second = fake_hf.requests
    assert second["at"] - first["at"] >= 0.5  # waited as told, not the 10 ms backoff


async def test_unreachable_service_is_one_clear_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    async with HFClient(f"http://127.0.0.1:{port}", backoff=0.01, attempts=2) as client:
        with pytest.raises(SourceError, match="unreachable"):
            await client.daily("2026-06-10")
    assert time.monotonic() - started < 5


async def test_non_json_answer_is_a_bad_response() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>maintenance</html>")

    client = HFClient("http://hf.test", client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    with pytest.raises(BadResponse, match="not JSON"):
        await client.daily("2026-06-10")
    await client.aclose()
