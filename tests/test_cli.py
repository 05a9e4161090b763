from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
from rich.console import Console
from typer.testing import CliRunner

from paperbot.bot.cli import app
from paperbot.bot.progress import steps
from tests.conftest import bot_env, shared_data
from tests.factories import day_items, hf_item
from tests.fakes.hf import FakeHF


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return bot_env(monkeypatch, tmp_path)


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def day_file(tmp_path: Path, items: list[dict[str, object]] | None = None) -> Path:
    path = tmp_path / "2026-06-10.json"
    path.write_text(json.dumps(items if items is not None else day_items("2026-06-10", 12)))
    return path


def test_import_then_search_json(env: Path, tmp_path: Path) -> None:
    items = [
        hf_item("2606.00001", "Sparse Mixture-of-Experts Training", "MoE layers.", upvotes=5),
        hf_item("2606.00002", "Robots", "Robots walk.", upvotes=50),
    ]
    code, out, _ = cli("import", str(day_file(tmp_path, items)))
    assert code == 0 and "2 papers" in out and "2026-06-10 (2)" in out
    code, out, _ = cli("search", "moe", "--json")
    rows = json.loads(out)
    assert code == 0 and rows[0]["id"] == "2606.00001"
    assert {"id", "title", "score"} <= set(rows[0])
    code, out, err = cli("search", "*")
    assert code == 2 and "type a topic" in err


def test_recorded_day_import_and_search(env: Path) -> None:
    day = shared_data() / "hf_daily_papers" / "2026-06-10.json"
    assert cli("import", str(day))[0] == 0
    code, out, _ = cli("search", "moe", "--json")
    assert json.loads(out)[0]["title"] == "Kwai Keye-VL-2.0 Technical Report"
    code, out, _ = cli("demo", "--from", str(day))
    assert code == 0 and "Kwai Keye-VL-2.0 Technical Report" in out and "/papers moe" in out


def test_import_bad_file_changes_nothing(env: Path, tmp_path: Path) -> None:
    good = day_file(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n')
    code, _, err = cli("import", str(good), str(bad))
    assert code == 2 and "bad.jsonl line 1" in err
    code, out, _ = cli("search", "models", "--json")
    assert json.loads(out) == []  # the good file was not half-imported either


def test_digest_json_and_deliver_twice(env: Path, tmp_path: Path) -> None:
    cli("import", str(day_file(tmp_path)))
    code, out, _ = cli("digest", "--channel", "console:team", "--date", "2026-06-10", "--json")
    digest = json.loads(out)
    assert code == 0 and len(digest["papers"]) == 5 and digest["day"] == "2026-06-10"
    # a channel appears once someone talks to it; use the chat REPL's grammar through `chat`
    runner = CliRunner()
    result = runner.invoke(app, ["chat", "--channel", "console:team"], input="/papers size 3\nquit\n")
    assert result.exit_code == 0 and "3 papers" in result.stdout
    code, out, _ = cli("deliver", "--at", "2026-06-10T10:00:00+00:00")
    assert code == 0 and "sent 1" in out
    code, out, _ = cli("deliver", "--at", "2026-06-10T10:00:00+00:00")
    assert code == 0 and "sent 0" in out
    code, out, _ = cli("status")
    assert "console:team" in out and "Last delivery: 2026-06-10 sent" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["digest", "--channel", "nochannel", "--date", "2026-06-10"], "PLATFORM:CHANNEL"),
        (["digest", "--channel", "slack:C1", "--date", "June 10"], "date like"),
        (["deliver", "--at", "tomorrow"], "ISO-8601"),
        (["fetch", "--date", "2026-06-10", "--since", "2026-06-01"], "not both"),
        (["import", "nope.json"], "no such file"),
    ],
)
def test_bad_arguments_are_one_line(env: Path, args: list[str], message: str) -> None:
    code, _, err = cli(*args)
    assert code == 2 and message in err
    assert len(err.strip().splitlines()) <= 2  # rich may wrap a long line


def test_bad_setting_fails_at_start(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERBOT_DEFAULT_TZ", "Mars/Base")
    code, _, err = cli("status")
    assert code == 2 and "PAPERBOT_DEFAULT_TZ" in err and "unknown time zone" in err


async def test_fetch_from_the_local_hf(env: Path, fake_hf: FakeHF, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_hf.days["2026-06-10"] = day_items("2026-06-10", 120)
    monkeypatch.setenv("HF_API_URL", fake_hf.url)
    monkeypatch.setenv("PAPERBOT_RETRY_BACKOFF", "0.01")
    proc = await _run_cli(["fetch", "--date", "2026-06-10"], env)
    assert proc.returncode == 0, proc.stderr
    assert "2026-06-10: 120 papers" in proc.stdout
    fake_hf.fail(500, times=10)
    proc = await _run_cli(["fetch", "--date", "2026-06-11"], env)
    assert proc.returncode == 1 and "HTTP 500" in proc.stderr
    status = await _run_cli(["status"], env)
    good, failed = status.stdout.splitlines()[:2]
    assert good.startswith("Last fetch: ") and good.endswith("120 papers (list of Wed 10 Jun)")
    assert failed.startswith("Fetch failed: ") and "(list of Thu 11 Jun): " in failed and "HTTP 500" in failed


async def _run_cli(args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    """The installed entry point in a child process (the fake server keeps running in this loop)."""
    import asyncio

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "paperbot.bot",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PAPERBOT_DB": str(db), "COLUMNS": "200"},
    )
    out, err = await proc.communicate()
    return subprocess.CompletedProcess(args, proc.returncode or 0, out.decode(), err.decode())


def test_demo_offline_says_so_quickly(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_API_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    code, out, err = cli("demo")
    assert "Could not fetch from Hugging Face" in err
    assert code == 0 and "built-in sample" in err and "/papers moe" in out
    # It does create the database file (empty): say so rather than "nothing was saved".
    assert "nothing was saved" not in err and "kept in memory only" in " ".join(err.split())
    assert "bot.db holds just what you fetch or import" in " ".join(err.split())


async def test_fetch_an_arxiv_category(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiohttp import web

    from tests.fakes.server import serve
    from tests.test_sources_arxiv_files import NEW_LAYOUT

    seen: list[dict[str, str]] = []

    async def query(request: web.Request) -> web.Response:
        seen.append(dict(request.query))
        return web.Response(text=NEW_LAYOUT, content_type="application/atom+xml")

    app = web.Application()
    app.router.add_get("/api/query", query)
    runner, url = await serve(app)
    monkeypatch.setenv("ARXIV_API_URL", f"{url}/api/query")
    try:
        proc = await _run_cli(["fetch", "--arxiv", "cs.LG", "--limit", "5"], env)
        assert proc.returncode == 0, proc.stderr
        assert "arXiv cs.LG: 1 papers" in proc.stdout
        assert seen[0]["search_query"] == "cat:cs.LG" and seen[0]["max_results"] == "5"
        found = await _run_cli(["search", "routing experts", "--json"], env)
        assert json.loads(found.stdout)[0]["id"] == "2606.12345"
        bad = await _run_cli(["fetch", "--arxiv", "cs.LG) OR (x"], env)
        assert bad.returncode == 2 and "not an arXiv category" in bad.stderr
    finally:
        await runner.cleanup()


def test_status_lists_settings_with_secrets_masked(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "very-secret-value")
    code, out, _ = cli("status", "--settings")
    assert code == 0 and "SLACK_SIGNING_SECRET=********" in out
    assert "very-secret-value" not in out and "PAPERBOT_DB=" in out


async def test_fetch_since_stops_at_the_first_unreachable_day(env: Path) -> None:
    # bot_env points HF_API_URL at a closed port and sets no retry waits.
    since = (datetime.now(UTC).date() - timedelta(days=29)).isoformat()
    proc = await _run_cli(["fetch", "--since", since], env)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{since}: Hugging Face is unreachable at http://127.0.0.1:9")
    assert "stopped, 29 later days not fetched" in lines[0] and "paperbot doctor" in lines[0]
    db = sqlite_utils.Database(env)
    assert db.execute("SELECT count(*) FROM fetches").fetchone()[0] == 1  # no request for later days


async def test_fetch_since_reports_each_day_as_a_log_line(
    env: Path, fake_hf: FakeHF, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=n) for n in (2, 1, 0)]
    fake_hf.days[days[0].isoformat()] = day_items(days[0].isoformat(), 3)
    fake_hf.fail(500, times=1)  # the first day's first request: retried, the day still arrives
    monkeypatch.setenv("HF_API_URL", fake_hf.url)
    proc = await _run_cli(["fetch", "--since", days[0].isoformat()], env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"{days[0]}: 3 papers", f"{days[1]}: 0 papers", f"{today}: 0 papers"]
    assert "\x1b" not in proc.stdout + proc.stderr  # no progress-bar control codes in a log


def test_progress_in_a_log_is_plain_lines_and_on_a_terminal_a_bar() -> None:
    log = Console(file=io.StringIO(), width=200)
    with steps(log, "importing", 250, "papers", every=100) as advance:
        for _ in range(10):
            advance(25)
    assert log.file.getvalue().splitlines() == [  # type: ignore[attr-defined]
        "importing: 100/250 papers",
        "importing: 200/250 papers",
        "importing: 250/250 papers",
    ]
    small = Console(file=io.StringIO(), width=200)
    with steps(small, "importing", 50, "papers", every=100) as advance:
        advance(50)
    assert small.file.getvalue() == ""  # type: ignore[attr-defined]  # short work: no progress lines
    tty = Console(file=io.StringIO(), width=200, force_terminal=True)
    with steps(tty, "importing", 250, "papers", every=100) as advance:
        advance(250)
    assert "importing: 100/250" not in tty.file.getvalue()  # type: ignore[attr-defined]


def test_search_takes_a_leading_exclusion_and_pages_with_offset(env: Path, tmp_path: Path) -> None:
    items = [hf_item(f"2606.{n:05d}", f"Sparse Mixture-of-Experts {n}", "MoE layers.") for n in range(1, 14)]
    assert cli("import", str(day_file(tmp_path, items)))[0] == 0
    code, _, err = cli("search", "-moe")  # was "No such option: -m"
    assert code == 2 and "only excludes" in err and "No such option" not in err
    code, out, _ = cli("search", "moe", "-n", "5")
    assert code == 0 and "more: paperbot search moe --offset 5" in out and "/papers more" not in out
    code, out, _ = cli("search", "moe", "-n", "5", "--offset", "10")
    assert code == 0 and "11." in out and "more:" not in out


def test_chat_answers_a_mistyped_command_instead_of_searching_it(env: Path) -> None:
    result = CliRunner().invoke(app, ["chat"], input="/paper moe\n/papers help\n")
    assert result.exit_code == 0
    assert "Unknown command /paper: type /papers help" in result.stdout
