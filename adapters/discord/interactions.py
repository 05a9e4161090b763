"""What people do on Discord, translated for the core: the `/papers` command and its autocomplete, and the
persistent buttons (DynamicItems with stable custom_ids, so a button from before a restart still works).
Every interaction is answered through bot.deadline.within."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Sequence
from typing import Any

import discord
from discord import app_commands

from paperbot.adapters.discord import render
from paperbot.bot.commands import sub_command
from paperbot.bot.deadline import within
from paperbot.bot.models import ChannelRef, Command, PaperCard, Reply, ReplyKind
from paperbot.bot.service import Service

logger = logging.getLogger(__name__)

VOTES = {"up": 1, "down": -1}


def _core(interaction: discord.Interaction[Any]) -> Service:
    core: Service = interaction.client.paperbot_core  # set by DiscordAdapter._build
    return core


def _ref(interaction: discord.Interaction[Any]) -> ChannelRef:
    return ChannelRef("discord", str(interaction.channel_id or ""), str(interaction.guild_id or ""))


def _can_manage(interaction: discord.Interaction[Any]) -> bool:
    return bool(interaction.permissions.manage_channels)


def _cannot_post(interaction: discord.Interaction[Any]) -> str | None:
    """Why the bot could not post its digest here, from the permissions Discord sent with the interaction."""
    allowed = interaction.app_permissions
    missing = [
        name
        for name, ok in (
            ("View Channel", allowed.view_channel),
            ("Send Messages", allowed.send_messages),
            ("Embed Links", allowed.embed_links),
        )
        if not ok
    ]
    if not missing:
        return None
    return f"I lack {', '.join(missing)} in this channel: give paperbot's role those permissions here first"


def card_buttons(view: discord.ui.View, cards: Sequence[PaperCard], first: int) -> None:
    """👍, 👎 and "More like" for each card, one card's three side by side where a row allows."""
    for number, card in enumerate(cards[: render.CARDS_WITH_BUTTONS], first):
        view.add_item(VoteButton(card.arxiv_id, "up", number))
        view.add_item(VoteButton(card.arxiv_id, "down", number))
        view.add_item(MoreLike(card.arxiv_id, number))


def _view(reply: Reply) -> discord.ui.View | None:
    if reply.digest is None or not reply.digest.cards:
        return None
    view = discord.ui.View(timeout=None)
    card_buttons(view, reply.digest.cards, reply.digest.first)
    if reply.query is not None:
        if reply.more:
            view.add_item(NextPage(reply.query, reply.next_offset))
        view.add_item(Share(reply.query, reply.offset))
    return view


async def _defer(interaction: discord.Interaction[Any], ephemeral: bool = True) -> None:
    await interaction.response.defer(ephemeral=ephemeral, thinking=True)


async def answer(interaction: discord.Interaction[Any], work: Awaitable[Reply]) -> None:
    """Respond within Discord's 3 s: directly when the reply is ready in time, else defer and follow up."""
    reply, _ = await within(work, lambda: _defer(interaction))
    message = render.reply_message(reply)
    kwargs: dict[str, Any] = {"content": message.content or None, "embeds": message.embeds}
    view = _view(reply)
    if view is not None:
        kwargs["view"] = view
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=reply.ephemeral, **kwargs)
    else:
        await interaction.response.send_message(ephemeral=reply.ephemeral, **kwargs)


def _clip_query(query: str, prefix: str) -> str:
    return query[: render.CUSTOM_ID_MAX - len(prefix)]


class MoreLike(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"pb:more:(?P<id>[^:]{1,64})"):
    def __init__(self, arxiv_id: str, number: int = 0) -> None:
        label = f"More like #{number}" if number else "More like this"
        super().__init__(discord.ui.Button(label=label, custom_id=f"pb:more:{arxiv_id[:64]}"))
        self.arxiv_id = arxiv_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any
    ) -> MoreLike:
        return cls(match["id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await answer(interaction, _core(interaction).more_like(self.arxiv_id))


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"pb:vote:(?P<v>[a-z]{1,8}):(?P<id>[^:]{1,64})"
):
    """👍/👎 on a card. The template accepts any word so a forged or stale id is answered, not ignored."""

    def __init__(self, arxiv_id: str, vote: str, number: int = 0) -> None:
        mark = {"up": "👍", "down": "👎"}.get(vote, "?")
        label = f"{mark} #{number}" if number else mark
        super().__init__(discord.ui.Button(label=label, custom_id=f"pb:vote:{vote}:{arxiv_id[:64]}"))
        self.arxiv_id, self.vote = arxiv_id, vote

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any
    ) -> VoteButton:
        return cls(match["id"], match["v"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        value = VOTES.get(self.vote)
        if value is None:
            reply = Reply("That button is not one paperbot made; nothing was recorded.", ReplyKind.ERROR)
            await interaction.response.send_message(content=reply.text, ephemeral=True)
            return
        work = _core(interaction).vote(_ref(interaction), self.arxiv_id, str(interaction.user.id), value)
        await answer(interaction, work)


class NextPage(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"pb:next:(?P<offset>\d{1,4}):(?P<q>.*)"
):
    def __init__(self, query: str, offset: int) -> None:
        prefix = f"pb:next:{offset}:"
        super().__init__(discord.ui.Button(label="Next 5", custom_id=prefix + _clip_query(query, prefix)))
        self.query, self.offset = query, offset

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any
    ) -> NextPage:
        return cls(match["q"], int(match["offset"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await answer(interaction, _core(interaction).page(self.query, self.offset))


class Share(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"pb:share:(?P<offset>\d{1,4}):(?P<q>.*)"
):
    def __init__(self, query: str, offset: int) -> None:
        prefix = f"pb:share:{offset}:"
        button: discord.ui.Button[Any] = discord.ui.Button(
            label="Share in channel",
            style=discord.ButtonStyle.primary,
            custom_id=prefix + _clip_query(query, prefix),
        )
        super().__init__(button)
        self.query, self.offset = query, offset

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any
    ) -> Share:
        return cls(match["q"], int(match["offset"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        work = _core(interaction).page(self.query, self.offset)
        reply, late = await within(work, lambda: _defer(interaction, ephemeral=False))
        message = render.reply_message(reply)
        sharer = render.safe(interaction.user.display_name)
        content = render.clip(f"{sharer} shared:\n{message.content}", render.CONTENT_MAX)
        if late:
            await interaction.followup.send(content=content, embeds=message.embeds, ephemeral=False)
        else:
            await interaction.response.send_message(content=content, embeds=message.embeds, ephemeral=False)


def build_tree(client: discord.Client) -> app_commands.CommandTree[Any]:
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)

    @app_commands.command(
        name="papers", description="Search AI papers, or manage this channel's daily digest"
    )
    @app_commands.describe(query="moe · subscribe kv cache · schedule 09:00 Europe/Berlin · help")
    async def papers(interaction: discord.Interaction[Any], query: str | None = None) -> None:
        text = query or ""
        sub, _ = sub_command(text)
        cannot_post = _cannot_post(interaction) if sub and sub.registers else None
        user = str(interaction.user.id)
        command = Command(_ref(interaction), user, text, _can_manage(interaction), cannot_post)
        await answer(interaction, _core(interaction).handle(command))

    @papers.autocomplete("query")
    async def suggest(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        options = await _core(interaction).suggestions(_ref(interaction))
        typed = current.lower().strip()
        picked = [o for o in dict.fromkeys(options) if o.startswith(typed)]
        return [app_commands.Choice(name=o.strip()[:100], value=o[:100]) for o in picked[:25]]

    tree.add_command(papers)
    return tree


def commands_hash(tree: app_commands.CommandTree[Any]) -> str:
    payload = [command.to_dict(tree) for command in tree.get_commands()]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
