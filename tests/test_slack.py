"""Slack, end to end: the bot's real wiring (paperbot.bot.app.Bot, as `paperbot run` builds it) against the
local Slack in tests/fakes/slack.py. No mocks of slack-bolt or slack_sdk."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import paperbot.bot.commands
import paperbot.storage.db
from paperbot.adapters.slack import render
from paperbot.bot.app import Bot
from paperbot.bot.cards import to_card
from paperbot.bot.config import ConfigError, load_settings
from paperbot.bot.models import ChannelRef, Digest, Paper
from paperbot.bot.ports import PostKey
from paperbot.storage import channels as channel_store
from paperbot.storage import deliveries
from paperbot.storage.db import open_db
from tests.conftest import bot_env, inspect, seed
from tests.factories import hf_item
from tests.fakes.hf import FakeHF
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, AckTimeout, FakeSlack

DAY = "2026-06-10"
AFTER_POST_TIME = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
PAPERS = [
    hf_item("2606.00001", "Sparse Mixture-of-Experts at Scale", "We train MoE models.", upvotes=10),
    hf_item("2606.00002", "Robots That Walk", "Legged robots.", upvotes=90),
    hf_item("2606.00003", "<!channel> Attention <@U123> & more", "Ping <!here> everyone.", upvotes=50),
    hf_item("2606.00004", "Expert Routing Revisited", "Mixture of experts routing.", upvotes=5),
    hf_item("2606.00005", "Tabular Foundation Models", "Tables.", upvotes=1),
]


@pytest.fixture
def slack(fake_slack: FakeSlack) -> FakeSlack:
    fake_slack.add_channel("C1")
    return fake_slack


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: FakeSlack, fake_hf: FakeHF) -> Path:
    db_path = bot_env(
        monkeypatch,
        tmp_path,
        HF_API_URL=fake_hf.url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack.api_url,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )
    seed(db_path, PAPERS)
    return db_path


def bot_url(running: Bot) -> str:
    return f"http://127.0.0.1:{running.http_port}"


async def command(slack: FakeSlack, running: Bot, text: str, **kw: str) -> tuple[str, dict[str, Any]]:
    rid, form = slack.command_payload(text, **kw)
    status, body = await slack.http_request(bot_url(running), form)
    assert status == 200, body
    return rid, json.loads(body) if body.startswith("{") else {"text": body}


async def test_signed_search_answers_in_the_ack(slack: FakeSlack, running: Bot) -> None:
    _, ack = await command(slack, running, "moe")
    assert ack["response_type"] == "ephemeral"
    text = json.dumps(ack["blocks"])
    assert "Sparse Mixture-of-Experts at Scale" in text and "Robots That Walk" not in text
    actions = [b for b in ack["blocks"] if b["type"] == "actions"]
    assert any(e["action_id"] == render.ACTION_SHARE for e in actions[-1]["elements"])


@pytest.mark.parametrize(
    "headers",
    [
        {},  # unsigned
        FakeSlack.sign("something else"),  # signature of another body
        FakeSlack.sign("", secret="wrong-secret"),
        "stale",
    ],
)
async def test_bad_signatures_get_401(slack: FakeSlack, running: Bot, headers: Any) -> None:
    _, form = slack.command_payload("moe")
    if headers == "stale":
        import urllib.parse

        headers = FakeSlack.sign(urllib.parse.urlencode(form), timestamp=int(time.time()) - 6 * 60)
    status, _ = await slack.http_request(bot_url(running), form, headers=headers)
    assert status == 401


async def test_slow_search_acks_in_time_and_responds_later(
    slack: FakeSlack, running: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_search = paperbot.bot.commands.search

    def slow_search(*args: Any, **kwargs: Any) -> Any:
        time.sleep(2.5)
        return real_search(*args, **kwargs)

    monkeypatch.setattr(paperbot.bot.commands, "search", slow_search)
    started = time.monotonic()
    rid, ack = await command(slack, running, "moe")
    assert time.monotonic() - started < 3.0
    assert "Working on it" in ack["text"]
    for _ in range(100):
        if slack.responses.get(rid):
            break
        await asyncio.sleep(0.05)
    (late,) = slack.responses[rid]
    assert "Sparse Mixture-of-Experts at Scale" in json.dumps(late["blocks"])


async def test_a_lock_held_past_the_timeout_is_a_one_line_answer(
    slack: FakeSlack, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paperbot.storage.db, "BUSY_TIMEOUT", 1.0)
    bot_ = Bot(load_settings(), tick_seconds=3600)
    await bot_.start()
    holder = sqlite3.connect(env, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process's long write
        rid, ack = await command(slack, bot_, "subscribe kv cache")
        assert "Working on it" in ack["text"]
        for _ in range(100):
            if slack.responses.get(rid):
                break
            await asyncio.sleep(0.05)
        (late,) = slack.responses[rid]
        assert "database is unavailable" in late["text"] and "locked" in late["text"]
        _, search = await command(slack, bot_, "moe")  # reads go on meanwhile
        assert "Sparse Mixture-of-Experts at Scale" in json.dumps(search)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        await bot_.stop()
    assert channel_store.topics(open_db(env), ChannelRef("slack", "C1")) == []


async def test_socket_mode_round_trip(env: Path, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    bot_ = Bot(load_settings(), tick_seconds=3600)
    await bot_.start()
    try:
        _, payload = slack.command_payload("moe")
        ack = await slack.socket_request("slash_commands", payload)
        assert "Sparse Mixture-of-Experts at Scale" in json.dumps(ack["payload"]["blocks"])
        _, payload = slack.command_payload("subscribe moe")
        ack = await slack.socket_request("slash_commands", payload)
        assert "Subscribed" in ack["payload"]["text"]
    finally:
        await bot_.stop()


async def test_subscribed_channel_gets_its_digest_escaped(slack: FakeSlack, running: Bot) -> None:
    await command(slack, running, "subscribe moe")
    await running.tick(AFTER_POST_TIME)
    (message,) = slack.messages("C1")
    assert message["unfurl_links"] is False
    assert message["metadata"]["event_payload"]["key"] == f"paperbot:slack:C1:{DAY}"
    blocks = json.dumps(message["blocks"])
    # the topic leads, and the hostile title is shown, escaped, pinging nobody
    assert blocks.index("Sparse Mixture-of-Experts") < blocks.index("Robots That Walk")
    assert "&lt;!channel&gt; Attention &lt;@U123&gt; &amp; more" in blocks
    assert slack.pings() == []
    await running.tick(AFTER_POST_TIME)  # a second tick the same day posts nothing
    assert len(slack.messages("C1")) == 1


async def test_thirty_papers_split_within_limits(slack: FakeSlack, running: Bot) -> None:
    cards = tuple(
        to_card(Paper(f"2606.{n:05d}", f"Paper {n} " + "long title " * 40, "Abstract. " * 200))
        for n in range(30)
    )
    digest = Digest("A long digest", DAY, cards, "footer")
    ref = ChannelRef("slack", "C1")
    ids = await running.adapters["slack"].post(ref, digest, PostKey(ref, "2026-06-10"))
    assert len(ids) >= 2 and slack.rejected == []
    posted = slack.messages("C1")
    assert all(len(m["blocks"]) <= 50 for m in posted)
    assert sum(json.dumps(m["blocks"]).count("Paper ") for m in posted) >= 30


async def test_a_429_is_retried_and_nothing_is_lost(slack: FakeSlack, running: Bot) -> None:
    await command(slack, running, "subscribe moe")
    slack.throttle("chat.postMessage", times=1, retry_after=1)
    await running.tick(AFTER_POST_TIME)
    assert len(slack.messages("C1")) == 1
    assert [m for m, _ in slack.calls].count("chat.postMessage") == 2


@pytest.mark.parametrize("sub", ["subscribe moe", "schedule 08:00", "resume", "size 7", "pause"])
async def test_setting_up_a_channel_the_bot_is_not_in_says_how_to_invite_it(
    slack: FakeSlack, running: Bot, sub: str
) -> None:
    slack.add_channel("COUT", member=False)
    _, answer = await command(slack, running, sub, channel="COUT")
    assert "/invite @paperbot" in answer["text"] and "✅" not in answer["text"]
    assert channel_store.get_channel(inspect(running), ChannelRef("slack", "COUT")) is None
    _, unknown = await command(slack, running, sub, channel="CNOWHERE")
    assert "/invite @paperbot" in unknown["text"]
    assert channel_store.get_channel(inspect(running), ChannelRef("slack", "CNOWHERE")) is None
    # a search there still works: only setting up daily digests needs the bot in the channel
    _, search = await command(slack, running, "moe", channel="COUT")
    assert "Sparse Mixture-of-Experts" in json.dumps(search)


async def test_channel_not_found_pauses_only_that_channel(slack: FakeSlack, running: Bot) -> None:
    await command(slack, running, "subscribe moe")
    slack.add_channel("CGONE")
    await command(slack, running, "subscribe moe", channel="CGONE")
    del slack.channels["CGONE"]  # deleted after it subscribed
    await running.tick(AFTER_POST_TIME)
    assert len(slack.messages("C1")) == 1
    gone = channel_store.get_channel(inspect(running), ChannelRef("slack", "CGONE"))
    assert gone is not None and gone.paused and gone.pause_reason == "channel_not_found"
    _, topics = await command(slack, running, "topics", channel="CGONE")
    assert "channel_not_found" in topics["text"]


async def test_buttons_more_like_next_and_share(slack: FakeSlack, running: Bot) -> None:
    rid, payload = slack.action_payload(render.ACTION_MORE_LIKE, "2606.00001")
    status, _ = await slack.http_request(bot_url(running), {"payload": json.dumps(payload)})
    assert status == 200
    await _wait_for(lambda: slack.responses.get(rid))
    sections = json.dumps([b for b in slack.responses[rid][0]["blocks"] if b["type"] == "section"])
    assert "Expert Routing Revisited" in sections and "Sparse Mixture-of-Experts at Scale" not in sections

    rid, payload = slack.action_payload(render.ACTION_SHARE, render.next_value("moe", 0))
    await slack.http_request(bot_url(running), {"payload": json.dumps(payload)})
    await _wait_for(lambda: slack.messages("C1"))
    (shared,) = slack.messages("C1")
    assert "ada shared" in shared["text"] and "Sparse Mixture-of-Experts" in json.dumps(shared["blocks"])
    assert slack.pings() == []


async def test_socket_mode_button(env: Path, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    bot_ = Bot(load_settings(), tick_seconds=3600)
    await bot_.start()
    try:
        rid, payload = slack.action_payload(render.ACTION_NEXT, render.next_value("papers", 0))
        await slack.socket_request("interactive", payload)
        await _wait_for(lambda: slack.responses.get(rid))
        assert slack.responses[rid][0]["replace_original"] is True
    finally:
        await bot_.stop()


async def test_admins_only(env: Path, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERBOT_SLACK_ADMINS_ONLY", "1")
    slack.users = {"U1": {"is_admin": False}, "UADMIN": {"is_admin": True}}
    bot_ = Bot(load_settings(), tick_seconds=3600)
    await bot_.start()
    try:
        _, refused = await command(slack, bot_, "subscribe moe")
        assert "manage this channel" in refused["text"]
        _, allowed = await command(slack, bot_, "subscribe moe", user="UADMIN")
        assert "Subscribed" in allowed["text"]
    finally:
        await bot_.stop()


async def test_bad_token_fails_at_start_without_the_secret(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong-secret-value")
    bot_ = Bot(load_settings(), tick_seconds=3600)
    with pytest.raises(ConfigError) as info:
        await bot_.start()
    await bot_.stop()
    assert "invalid_auth" in str(info.value) and "wrong-secret-value" not in str(info.value)
    assert "\n" not in str(info.value)


async def test_restart_checks_the_platform_before_resending(slack: FakeSlack, running: Bot) -> None:
    await command(slack, running, "subscribe moe")
    await running.tick(AFTER_POST_TIME)
    # as if the process died between chat.postMessage and recording it
    with inspect(running).conn as conn:
        conn.execute("UPDATE deliveries SET status = 'claimed', message_ids = '[]'")
    await running.tick(AFTER_POST_TIME)
    assert len(slack.messages("C1")) == 1
    row = deliveries.get(inspect(running), ChannelRef("slack", "C1"), DAY)
    assert row is not None and row.status == "sent" and row.message_ids


async def test_healthz_reports_liveness(running: Bot) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{bot_url(running)}/healthz") as response:
        health = await response.json()
    assert response.status == 200
    assert health == {
        "ok": True,
        "scheduler": "running",
        "adapters": {"console": "running", "slack": "running"},
    }


async def test_revoked_token_stops_the_adapter_loudly(slack: FakeSlack, running: Bot) -> None:
    await command(slack, running, "subscribe moe")
    slack.script_error("chat.postMessage", "token_revoked")
    await running.tick(AFTER_POST_TIME)
    assert "slack" not in running.adapters
    async with aiohttp.ClientSession() as session, session.get(f"{bot_url(running)}/healthz") as response:
        health = await response.json()
    assert response.status == 503 and "token_revoked" in health["adapters"]["slack"]


async def _wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AckTimeout("condition not met in time")
        await asyncio.sleep(0.05)


async def test_multi_workspace_install_keeps_workspaces_apart(
    env: Path, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.slack import CLIENT_ID, CLIENT_SECRET

    monkeypatch.delenv("SLACK_BOT_TOKEN")
    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", CLIENT_SECRET)
    slack.add_channel("C2", team="T2")
    bot_ = Bot(load_settings(), tick_seconds=3600)
    await bot_.start()
    try:
        base = bot_url(bot_)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/slack/install") as page:
                assert page.status == 200
                html = await page.text()
                cookie = page.headers["Set-Cookie"].split(";", 1)[0]  # Secure: a browser sends it over https
            state = html.split("state=", 1)[1].split("&", 1)[0].split('"', 1)[0]
            slack.oauth_codes["code-t2"] = "T2"
            params = {"code": "code-t2", "state": state}
            headers = {"Cookie": cookie}
            async with session.get(f"{base}/slack/oauth_redirect", params=params, headers=headers) as done:
                assert done.status == 200, await done.text()
        _, form = slack.command_payload("subscribe moe", channel="C2", team="T2")
        status, body = await slack.http_request(base, form)
        assert status == 200 and "Subscribed" in body
        await bot_.tick(AFTER_POST_TIME)
        assert len(slack.messages("C2")) == 1  # posted with T2's own token (C2 is invisible to others)
        assert slack.messages("C1") == []
        # a workspace that never installed the app cannot use it
        _, form = slack.command_payload("moe", channel="C9", team="T9")
        status, body = await slack.http_request(base, form)
        assert "Sparse Mixture" not in body
    finally:
        await bot_.stop()


def test_a_full_search_reply_stays_within_block_kit_limits() -> None:
    from paperbot.bot.models import Reply
    from tests.fakes.slack_rules import block_errors

    long = "<!here> & " * 400
    cards = tuple(to_card(Paper(f"2606.{n:05d}", long, long, (long,))) for n in range(render.MAX_CARDS))
    reply = Reply("r", digest=Digest(long, DAY, cards, long, note=long), query=long, more=True)
    payload = render.reply_payload(reply)
    assert len(payload["blocks"]) <= 50 and block_errors(payload["blocks"]) == []
    assert len(payload["text"]) <= render.FALLBACK_MAX
    shown = [b for b in payload["blocks"] if b["type"] != "actions"]  # button values are never displayed
    assert "<!here>" not in json.dumps(shown) + payload["text"]
    with pytest.raises(ValueError):
        render.digest_messages(reply.digest, per_message=render.MAX_CARDS + 1)  # type: ignore[arg-type]


async def test_digest_cards_carry_thumbnails_unless_the_channel_turns_images_off(
    slack: FakeSlack, running: Bot
) -> None:
    slack.add_channel("C2")
    await command(slack, running, "subscribe moe")
    await command(slack, running, "subscribe moe", channel="C2")
    _, answer = await command(slack, running, "images off", channel="C2")
    assert "no images" in answer["text"]
    await running.tick(AFTER_POST_TIME)
    assert slack.rejected == []
    (with_images,) = slack.messages("C1")
    (without,) = slack.messages("C2")
    lead = [b for b in with_images["blocks"] if b["type"] == "image"]
    assert len(lead) == 1 and lead[0]["image_url"].startswith("https://cdn-thumbnails.huggingface.co/")
    assert '"image"' not in json.dumps(without["blocks"])
    assert "more on today" not in json.dumps(without["blocks"])  # all five papers shown: nothing left out
