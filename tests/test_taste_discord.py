"""👍/👎 buttons on Discord, end to end: real component interactions through the gateway, persistent
DynamicItem buttons that still work after a restart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from paperbot.bot.app import Bot
from paperbot.bot.config import load_settings
from paperbot.bot.models import ChannelRef
from paperbot.storage import votes as vote_store
from paperbot.storage.db import open_db
from tests.conftest import inspect
from tests.fakes.discord import FakeDiscord
from tests.test_discord import AFTER_POST_TIME, CHANNEL, discord_fake, env

__all__ = ["discord_fake", "env"]  # fixtures shared with test_discord.py
REF = ChannelRef("discord", CHANNEL)


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row["components"]]


async def press(discord_fake: FakeDiscord, custom_id: str) -> dict[str, Any]:
    interaction = await discord_fake.answered(await discord_fake.press(custom_id))
    (response,) = interaction.responses
    return dict(response["data"])


async def test_vote_buttons_persist_toggle_and_change_the_digest(
    env: Path, discord_fake: FakeDiscord, running: Bot
) -> None:
    await discord_fake.answered(await discord_fake.slash("schedule 09:00 UTC daily", manage=True))
    await discord_fake.answered(await discord_fake.slash("size 2", manage=True))
    today = await discord_fake.answered(await discord_fake.slash("today"))
    ids = custom_ids(today.responses[0]["data"])
    assert "pb:vote:up:2606.00002" in ids and "pb:vote:down:2606.00002" in ids

    answer = await press(discord_fake, "pb:vote:up:2606.00001")
    assert answer["flags"] & 64 and "👍" in answer["content"]  # ephemeral: only the voter sees it
    await press(discord_fake, "pb:vote:down:2606.00002")
    user = "3000000000000000001"
    stored = lambda: sorted((v.paper_id, v.value) for v in vote_store.channel_votes(inspect(running), REF))  # noqa: E731
    assert stored() == [("2606.00001", 1), ("2606.00002", -1)]
    assert vote_store.vote_of(inspect(running), REF, "2606.00001", user) == 1
    again = await press(discord_fake, "pb:vote:down:2606.00002")
    assert again["flags"] & 64 and "withdrawn" in again["content"]
    assert stored() == [("2606.00001", 1)]
    await press(discord_fake, "pb:vote:down:2606.00002")

    await running.tick(AFTER_POST_TIME)
    (posted,) = discord_fake.channels[CHANNEL]
    titles = " ".join(e["title"] for e in posted["embeds"])
    assert "Robots That Walk" not in titles and "Expert Routing Revisited" in titles
    assert "pb:vote:up:2606.00004" in custom_ids(posted)
    assert discord_fake.pings() == []


async def test_votes_survive_a_restart_and_bad_buttons_change_nothing(
    env: Path, discord_fake: FakeDiscord
) -> None:
    first = Bot(load_settings(), tick_seconds=3600)
    await first.start()
    try:
        await press(discord_fake, "pb:vote:up:2606.00004")
    finally:
        await first.stop()
    second = Bot(load_settings(), tick_seconds=3600)
    await second.start()
    try:
        for custom_id, message in [
            ("pb:vote:sideways:2606.00001", "not one paperbot made"),
            ("pb:vote:up:2606.99999", "not in this bot's archive"),
            ("pb:vote:up:@everyone", "does not name a paper"),
        ]:
            answer = await press(discord_fake, custom_id)
            assert answer["flags"] & 64 and message in json.dumps(answer, ensure_ascii=False), answer
        assert discord_fake.pings() == []
    finally:
        await second.stop()
    db = open_db(env)
    assert [(v.paper_id, v.value) for v in vote_store.channel_votes(db, REF)] == [("2606.00004", 1)]
    db.close()
