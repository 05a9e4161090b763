"""Deadlines, not timeouts: a Hugging Face that trickles one byte every 2 s never trips httpx's per-read
timeout, so each request has a total deadline; answers and days have size caps with a clear log line."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from paperbot.bot.sources.hf import BadResponse, HFClient
from tests.conftest import bot_env
from tests.factories import day_items
from tests.fakes.hf import FakeHF
from tests.test_cli import _run_cli as run_cli

DAY = "2026-06-10"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_hf: FakeHF) -> Path:
    return bot_env(monkeypatch, tmp_path, HF_API_URL=fake_hf.url)


async def test_trickling_hf_fails_fetch_within_the_deadline(
    env: Path, fake_hf: FakeHF, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_hf.days[DAY] = day_items(DAY, 3)
    fake_hf.trickle(2.0, times=10)
    # Reads time out after 2.5 s: longer than the 2 s between bytes, so only a total deadline can help.
    monkeypatch.setenv("PAPERBOT_HTTP_TIMEOUT", "2.5")
    started = time.monotonic()
    try:
        proc = await asyncio.wait_for(run_cli(["fetch", "--date", DAY], env), timeout=40)
    except TimeoutError:
        pytest.fail("fetch was still waiting for the trickling server after 40 s")
    elapsed = time.monotonic() - started
    assert proc.returncode == 1
    assert elapsed < 7.5 + 6  # the 3x-timeout deadline, plus the interpreter's start-up
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{DAY}: Hugging Face timed out" in lines[0] and "7.5 s" in lines[0]
    assert len(fake_hf.requests) == 1  # a deadline is not retried: the server would trickle again


async def test_a_day_is_capped_with_a_log_line(fake_hf: FakeHF, caplog: pytest.LogCaptureFixture) -> None:
    fake_hf.days[DAY] = day_items(DAY, 250)
    with caplog.at_level(logging.WARNING, logger="paperbot.bot.sources.hf"):
        async with HFClient(fake_hf.url, backoff=0.01, max_papers=120) as client:
            listed = await client.daily(DAY)
    assert len(listed) == 120 and [lp.rank for lp in listed] == list(range(1, 121))
    assert len(fake_hf.requests) == 2  # stopped paging once past the cap
    assert any("more than 120 papers listed; keeping the first 120" in r.getMessage() for r in caplog.records)


async def test_an_oversized_answer_is_not_read(fake_hf: FakeHF, caplog: pytest.LogCaptureFixture) -> None:
    fake_hf.days[DAY] = day_items(DAY, 100)
    with caplog.at_level(logging.WARNING, logger="paperbot.bot.sources.hf"):
        async with HFClient(fake_hf.url, backoff=0.01, max_bytes=20_000) as client:
            with pytest.raises(BadResponse, match="over 20,000 bytes"):
                await client.daily(DAY)
    assert any("too large" in r.getMessage() for r in caplog.records)


async def test_trickling_arxiv_fails_within_the_deadline() -> None:
    from aiohttp import web

    from paperbot.bot.sources.arxiv import ArxivClient
    from paperbot.bot.sources.hf import SourceError
    from tests.fakes.server import serve
    from tests.test_sources_arxiv_files import NEW_LAYOUT

    async def query(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/atom+xml"})
        await response.prepare(request)
        body = NEW_LAYOUT.encode()
        try:
            for n in range(len(body)):
                await response.write(body[n : n + 1])
                await asyncio.sleep(0.5)  # under the 1 s read timeout, forever in total
        except ConnectionResetError:
            pass
        return response

    app = web.Application()
    app.router.add_get("/api/query", query)
    runner, url = await serve(app)
    client = ArxivClient(f"{url}/api/query", timeout=1.0, min_interval=0)
    started = time.monotonic()
    try:
        with pytest.raises(SourceError, match="timed out: no complete answer within 3 s"):
            await asyncio.wait_for(client.newest("cs.LG", 5), timeout=30)
    finally:
        await client.aclose()
        await runner.cleanup()
    assert time.monotonic() - started < 5
