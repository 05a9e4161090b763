"""Links are data, not markup: hostile githubRepo/projectPage values and masked links in paper text,
rendered by both renderers and delivered through the Slack and Discord stand-ins, ping nobody and link
nowhere the bot did not mean to."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperbot.bot.app import Bot
from paperbot.bot.cards import to_card
from paperbot.bot.links import safe_url
from paperbot.bot.models import ChannelRef, Digest, Paper, PaperCard
from paperbot.bot.ports import PostKey
from paperbot.storage import channels as channel_store
from tests.conftest import (
    assert_only_links_to,
    bot_env,
    discord_settings,
    inspect,
    seed,
    slack_settings,
    started_bot,
)
from tests.factories import HOSTILE_LINKS, MASKED, hostile_items
from tests.fakes.discord import FakeDiscord
from tests.fakes.hf import FakeHF
from tests.fakes.slack import FakeSlack

DAY = "2026-06-10"
AFTER_POST_TIME = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
DISCORD_CHANNEL = "2000000000000000001"
OUR_HOSTS = {"huggingface.co", "arxiv.org", "github.com"}


@pytest.mark.parametrize("value", [*HOSTILE_LINKS, "", "   ", "https://", "http://-x.example/", 42, None])
def test_hostile_links_are_dropped(value: object) -> None:
    assert safe_url(value) is None


@pytest.mark.parametrize(
    "value",
    ["https://github.com/org/repo", "http://example.com:8080/a?b=c#readme", "https://a.example/x_y~z"],
)
def test_web_addresses_are_kept(value: str) -> None:
    assert safe_url(value) == value


def hostile_cards() -> tuple[PaperCard, ...]:
    """Cards as an older database could still hold them: hostile values straight into the card."""
    cards = []
    for n, link in enumerate(HOSTILE_LINKS):
        card = to_card(Paper(f"2606.{90001 + n:05d}", f"Card {n}: {MASKED}", f"Summary. {MASKED}"))
        cards.append(
            replace(
                card,
                code_url=link,
                authors=("[HF verified](https://evil.example/a)", "<!here>"),
                organization="[HF verified](https://evil.example/org) [x](https://evil.example/y)",
            )
        )
    return tuple(cards)


def assert_only_our_links(targets: list[str]) -> None:
    assert_only_links_to(OUR_HOSTS, targets)


# -- Slack ---------------------------------------------------------------------------------------------


@pytest.fixture
def slack_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack, fake_hf: FakeHF
) -> Path:
    fake_slack.add_channel("C1")
    db_path = bot_env(monkeypatch, tmp_path, **slack_settings(fake_slack, fake_hf))
    seed(db_path, hostile_items(DAY))
    return db_path


@pytest.fixture
async def slack_bot(slack_env: Path) -> AsyncIterator[Bot]:
    bot = await started_bot()
    yield bot
    await bot.stop()


async def test_slack_digest_of_hostile_papers_pings_and_spoofs_nothing(
    fake_slack: FakeSlack, slack_bot: Bot
) -> None:
    ref = ChannelRef("slack", "C1")
    channel_store.ensure_channel(
        inspect(slack_bot), ref, post_time="09:00", timezone="UTC", days="daily", size=20
    )
    await slack_bot.tick(AFTER_POST_TIME)
    messages = fake_slack.messages("C1")
    assert messages and "Hostile paper 0" in str(messages[0]["blocks"])
    assert fake_slack.pings() == []
    assert fake_slack.unsafe_links() == []
    assert_only_our_links([target for target, _ in fake_slack.links()])


async def test_slack_renderer_drops_hostile_card_links(fake_slack: FakeSlack, slack_bot: Bot) -> None:
    digest = Digest("Hostile cards", DAY, hostile_cards())
    ref = ChannelRef("slack", "C1")
    await slack_bot.adapters["slack"].post(ref, digest, PostKey(ref, "2026-06-10"))
    assert fake_slack.rejected == []
    assert fake_slack.pings() == []
    assert fake_slack.unsafe_links() == []
    assert_only_our_links([target for target, _ in fake_slack.links()])
    assert all(label != "code" for _, label in fake_slack.links())  # no hostile value became a code link


# -- Discord -------------------------------------------------------------------------------------------


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    server.channels[DISCORD_CHANNEL] = []
    yield server
    await server.stop()


@pytest.fixture
async def discord_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, discord_fake: FakeDiscord, fake_hf: FakeHF
) -> AsyncIterator[Bot]:
    db_path = bot_env(monkeypatch, tmp_path, **discord_settings(discord_fake, fake_hf))
    seed(db_path, hostile_items(DAY))
    bot = await started_bot()
    yield bot
    await bot.stop()


async def test_discord_digest_of_hostile_papers_pings_and_spoofs_nothing(
    discord_fake: FakeDiscord, discord_bot: Bot
) -> None:
    ref = ChannelRef("discord", DISCORD_CHANNEL)
    channel_store.ensure_channel(
        inspect(discord_bot), ref, post_time="09:00", timezone="UTC", days="daily", size=20
    )
    await discord_bot.tick(AFTER_POST_TIME)
    messages = discord_fake.channels[DISCORD_CHANNEL]
    assert messages and "Hostile paper 0" in str(messages[0]["embeds"])
    assert discord_fake.rejected == []
    assert discord_fake.pings() == []
    links = discord_fake.links()
    assert {label for label, _ in links} <= {"HF", "arXiv", "PDF", "code"}
    assert_only_our_links([url for _, url in links])


async def test_discord_renderer_neutralises_every_masked_link(
    discord_fake: FakeDiscord, discord_bot: Bot
) -> None:
    digest = Digest(f"Hostile {MASKED}", DAY, hostile_cards(), note=MASKED)
    ref = ChannelRef("discord", DISCORD_CHANNEL)
    await discord_bot.adapters["discord"].post(ref, digest, PostKey(ref, "2026-06-10"))
    assert discord_fake.rejected == []
    links = discord_fake.links()
    assert {label for label, _ in links} == {"HF", "arXiv", "PDF"}  # no hostile value became a code link
    assert_only_our_links([url for _, url in links])
    assert discord_fake.pings() == []
