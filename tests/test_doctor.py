"""`paperbot doctor` as a user runs it (a child process), against the local Slack, Discord and Hugging Face."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from paperbot.bot.models import ChannelRef
from paperbot.storage import channels as channel_store
from paperbot.storage.db import open_db
from tests.conftest import bot_env, seed
from tests.factories import hf_item
from tests.fakes.discord import BOT_TOKEN as DISCORD_TOKEN
from tests.fakes.discord import FakeDiscord
from tests.fakes.hf import FakeHF
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, FakeSlack

SLACK_OK, SLACK_OUT = "C1", "C2"
DISCORD_OK, DISCORD_HIDDEN = "2000000000000000001", "2000000000000000002"


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    server.channels[DISCORD_OK] = []
    server.channels[DISCORD_HIDDEN] = []
    yield server
    await server.stop()


@pytest.fixture
def env(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_slack: FakeSlack,
    discord_fake: FakeDiscord,
    fake_hf: FakeHF,
) -> Path:
    fake_slack.add_channel(SLACK_OK, name="papers")
    fake_slack.add_channel(SLACK_OUT, name="reading-group")
    db_path = bot_env(
        monkeypatch,
        tmp_path,
        HF_API_URL=fake_hf.url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=fake_slack.api_url,
        DISCORD_TOKEN=DISCORD_TOKEN,
        DISCORD_API_BASE=discord_fake.api_base,
    )
    seed(db_path, [hf_item("2606.00001", "Sparse Mixture-of-Experts", "MoE.", upvotes=3)])
    db = open_db(db_path)
    for ref in (
        ChannelRef("slack", SLACK_OK, "T1"),
        ChannelRef("slack", SLACK_OUT, "T1"),
        ChannelRef("discord", DISCORD_OK),
        ChannelRef("discord", DISCORD_HIDDEN),
    ):
        channel_store.ensure_channel(db, ref, post_time="09:00", timezone="UTC", days="weekdays", size=5)
    db.close()
    return db_path


async def doctor(*args: str) -> subprocess.CompletedProcess[str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "paperbot.bot",
        "doctor",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "COLUMNS": "100"},
    )
    out, err = await proc.communicate()
    return subprocess.CompletedProcess(args, proc.returncode or 0, out.decode(), err.decode())


def line(proc: subprocess.CompletedProcess[str], name: str) -> str:
    found = [
        row for row in proc.stdout.splitlines() if row.split(":", 1)[0].split("  ", 1)[-1].strip() == name
    ]
    assert len(found) == 1, proc.stdout
    return found[0]


async def test_all_fine_exits_zero(env: Path, fake_slack: FakeSlack) -> None:
    db = open_db(env)
    channel_store.update_channel(
        db, ChannelRef("slack", SLACK_OUT, "T1"), paused=1, pause_reason="not_in_channel"
    )
    db.execute("DELETE FROM channels WHERE channel = ?", [DISCORD_HIDDEN])
    db.conn.commit()
    db.close()
    proc = await doctor()
    assert proc.returncode == 0, proc.stdout
    assert all(row.startswith("ok    ") for row in proc.stdout.splitlines()), proc.stdout
    assert "1 paper, 3 channels" in line(proc, "database")
    assert "works (workspace T1" in line(proc, "slack token")
    # Invited since it was paused: postable again, and the pause is named so someone resumes it.
    assert "can post in #reading-group (digest paused: not_in_channel)" in line(
        proc, f"slack channel {SLACK_OUT}"
    )
    assert "can see #papers-0" in line(proc, f"discord channel {DISCORD_OK}")
    assert line(proc, "hugging face").startswith("ok    ")
    assert ("conversations.info", SLACK_OUT) in [(m, a.get("channel")) for m, a in fake_slack.calls]
    assert not any(m == "chat.postMessage" for m, _ in fake_slack.calls)  # a check never posts


async def test_each_failure_is_reported_with_its_fix(
    env: Path, fake_slack: FakeSlack, discord_fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_slack.channels[SLACK_OUT].member = False
    discord_fake.forbidden[DISCORD_HIDDEN] = (403, 50001, "Missing Access")
    discord_fake.channels.pop(DISCORD_OK)  # deleted
    monkeypatch.setenv("HF_API_URL", "http://127.0.0.1:9")  # nothing listens there
    proc = await doctor()
    assert proc.returncode == 1
    slack_out = line(proc, f"slack channel {SLACK_OUT}")
    assert slack_out.startswith("FAIL  ") and "not a member of #reading-group" in slack_out
    assert "fix: invite the bot there: `/invite @paperbot`" in slack_out
    assert line(proc, f"slack channel {SLACK_OK}").startswith("ok    ")
    hidden = line(proc, f"discord channel {DISCORD_HIDDEN}")
    assert "cannot see this channel (HTTP 403)" in hidden and "fix: give the bot View Channel, Send" in hidden
    hf = line(proc, "hugging face")
    assert "unreachable at http://127.0.0.1:9" in hf and "fix: check the network" in hf
    gone = line(proc, f"discord channel {DISCORD_OK}")
    assert "Unknown Channel" in gone and "fix: the channel was deleted" in gone
    assert proc.stdout.splitlines()[-1].startswith("4 of ")

    fake_slack.revoked.add(BOT_TOKEN)  # an admin revoked the token
    proc = await doctor()
    token = line(proc, "slack token")
    assert proc.returncode == 1 and "Slack rejected SLACK_BOT_TOKEN (token_revoked)" in token
    assert "fix: make a new bot token" in token and BOT_TOKEN not in proc.stdout
    assert f"slack channel {SLACK_OK}" not in proc.stdout  # nothing to check channels with


async def test_bad_discord_token_and_an_index_out_of_step(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "reset-since")
    db = open_db(env)
    db.execute("INSERT INTO papers (id, title) VALUES ('2606.99999', 'written around the index')")
    db.conn.commit()
    db.close()
    proc = await doctor()
    assert proc.returncode == 1
    discord = line(proc, "discord token")
    assert "Discord rejected DISCORD_TOKEN (HTTP 401)" in discord and "fix: reset the token" in discord
    database = line(proc, "database")
    assert "papers_fts does not match" in database and "paperbot doctor --rebuild-index" in database
    repaired = await doctor("--rebuild-index")
    assert line(repaired, "database").startswith("ok    database: ")
    assert "search index rebuilt" in repaired.stderr


def test_half_slack_setup_fails_the_settings_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bot_env(monkeypatch, tmp_path, SLACK_APP_TOKEN="xapp-1")
    proc = subprocess.run(
        [sys.executable, "-m", "paperbot.bot", "doctor"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert (
        "FAIL  settings:" in proc.stdout
        and "SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not" in proc.stdout
    )


async def test_slack_unreachable_or_missing_a_scope_is_not_called_a_bad_token(
    env: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_slack.script_error("conversations.info", "missing_scope")  # an app made from an older manifest
    proc = await doctor()
    scope = line(proc, f"slack channel {SLACK_OK}")
    assert proc.returncode == 1 and "Slack says missing_scope" in scope
    assert "fix: add the channels:read and groups:read scopes" in scope
    assert line(proc, "slack token").startswith("ok    ")

    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")  # nothing listens there
    proc = await doctor()
    token = line(proc, "slack token")
    assert proc.returncode == 1 and "cannot reach Slack at http://127.0.0.1:9/api/" in token
    assert "rejected" not in token and "fix: check the network" in token
    assert "Traceback" not in proc.stderr


async def test_title_pairs_out_of_step_and_a_busy_file_are_told_apart(env: Path) -> None:
    db = open_db(env)
    db.execute("INSERT INTO title_pairs(title_pairs) VALUES ('delete-all')")
    db.conn.commit()
    proc = await doctor()
    database = line(proc, "database")
    assert "title_pairs holds 0 of 1 titles" in database and "--rebuild-index" in database
    assert line(await doctor("--rebuild-index"), "database").startswith("ok    database: ")
    db.execute("BEGIN IMMEDIATE")  # another process in the middle of a long import
    try:
        busy = line(await doctor(), "database")
    finally:
        db.conn.rollback()
        db.close()
    assert "is busy: another process is writing" in busy and "does not match" not in busy
