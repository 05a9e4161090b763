"""👍/👎 buttons on Slack, end to end: real block_actions payloads through the bot's HTTP endpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from paperbot.adapters.slack import render
from paperbot.bot.app import Bot
from paperbot.bot.models import ChannelRef
from paperbot.storage import votes as vote_store
from tests.conftest import inspect
from tests.fakes.slack import FakeSlack
from tests.test_slack import AFTER_POST_TIME, _wait_for, bot_url, command, env, slack

__all__ = ["env", "slack"]  # fixtures shared with test_slack.py
REF = ChannelRef("slack", "C1", "T1")


async def press(
    slack: FakeSlack, running: Bot, action_id: str, value: str, user: str = "U1"
) -> dict[str, Any]:
    rid, payload = slack.action_payload(action_id, value, user=user)
    status, body = await slack.http_request(bot_url(running), {"payload": json.dumps(payload)})
    assert status == 200 and body == ""  # the ack itself shows nothing in the channel
    await _wait_for(lambda: slack.responses.get(rid))
    (answer,) = slack.responses[rid]
    return answer


def votes(running: Bot) -> list[tuple[str, str, int]]:
    return sorted((v.paper_id, v.user, v.value) for v in vote_store.channel_votes(inspect(running), REF))


async def test_vote_buttons_land_ack_quietly_toggle_and_change_the_digest(
    slack: FakeSlack, running: Bot, env: Path
) -> None:
    await command(slack, running, "schedule 09:00 UTC daily")
    await command(slack, running, "size 2")
    _, before = await command(slack, running, "today")
    shown = json.dumps(before["blocks"])
    assert "Robots That Walk" in shown and "Expert Routing Revisited" not in shown
    up_ids = [e["action_id"] for b in before["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert up_ids.count(render.ACTION_VOTE + "up") == 2 and up_ids.count(render.ACTION_VOTE + "down") == 2

    answer = await press(slack, running, render.ACTION_VOTE + "up", "2606.00001")
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert "👍" in answer["text"] and "Sparse Mixture-of-Experts" in answer["text"]
    await press(slack, running, render.ACTION_VOTE + "down", "2606.00002", user="U2")
    await press(slack, running, render.ACTION_VOTE + "up", "2606.00005", user="U2")
    assert votes(running) == [("2606.00001", "U1", 1), ("2606.00002", "U2", -1), ("2606.00005", "U2", 1)]

    again = await press(slack, running, render.ACTION_VOTE + "up", "2606.00005", user="U2")  # withdraws
    assert again["response_type"] == "ephemeral" and "withdrawn" in again["text"]
    assert votes(running) == [("2606.00001", "U1", 1), ("2606.00002", "U2", -1)]

    await running.tick(AFTER_POST_TIME)
    (posted,) = slack.messages("C1")
    blocks = json.dumps(posted["blocks"], ensure_ascii=False)
    assert "Robots That Walk" not in blocks and "Expert Routing Revisited" in blocks
    assert "like “Sparse Mixture-of-Experts at Scale”" in blocks
    assert slack.pings() == []


async def test_bad_vote_payloads_get_an_answer_and_change_nothing(slack: FakeSlack, running: Bot) -> None:
    cases = [
        (render.ACTION_VOTE + "sideways", "2606.00001", "not one paperbot made"),
        (render.ACTION_VOTE + "up", "2606.99999", "not in this bot's archive"),
        (render.ACTION_VOTE + "up", "<!channel> 2606.00001", "does not name a paper"),
        (render.ACTION_VOTE + "up", "", "does not name a paper"),
    ]
    for action_id, value, message in cases:
        answer = await press(slack, running, action_id, value)
        assert answer["response_type"] == "ephemeral" and message in answer["text"], answer
    assert votes(running) == []
    assert slack.messages("C1") == [] and slack.pings() == []
