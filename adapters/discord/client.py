"""Discord adapter: a discord.py Client with one `/papers` command, translating to and from the core.

The client runs on the bot's event loop beside Slack and the scheduler. Minimal intents, no privileged
ones; AllowedMentions.none() on the client. Buttons are DynamicItems with stable custom_ids, so a
button on a message from before a restart still works. Commands are synced only when their definition
changed (a hash kept in the database), not on every start.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Sequence
from typing import Any

import discord
import yarl
from discord import app_commands

from paperbot.adapters.discord import render
from paperbot.bot.commands import sub_command
from paperbot.bot.deadline import within
from paperbot.bot.models import ChannelRef, Command, Digest, PaperCard, Reply, ReplyKind
from paperbot.bot.ports import AdapterFatal, ChannelUnavailable, PostKey
from paperbot.bot.service import Service

logger = logging.getLogger(__name__)

READY_TIMEOUT = 30.0
VOTES = {"up": 1, "down": -1}
CHANNEL_GONE = {10003: "Unknown Channel", 50001: "Missing Access", 50013: "Missing Permissions"}


class DiscordConfigError(Exception):
    """Discord refused the configured token, or the gateway could not be reached; one line, no secret."""


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


def _card_buttons(view: discord.ui.View, cards: Sequence[PaperCard], first: int) -> None:
    """👍, 👎 and "More like" for each card, one card's three side by side where a row allows."""
    for number, card in enumerate(cards[: render.CARDS_WITH_BUTTONS], first):
        view.add_item(VoteButton(card.arxiv_id, "up", number))
        view.add_item(VoteButton(card.arxiv_id, "down", number))
        view.add_item(MoreLike(card.arxiv_id, number))


def _view(reply: Reply) -> discord.ui.View | None:
    if reply.digest is None or not reply.digest.cards:
        return None
    view = discord.ui.View(timeout=None)
    _card_buttons(view, reply.digest.cards, reply.digest.first)
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


class DiscordAdapter:
    platform = "discord"

    def __init__(
        self,
        core: Service,
        *,
        token: str,
        api_base: str,
        gateway_url: str | None = None,
        shards: int | None = None,
    ) -> None:
        self.core = core
        self.token = token
        self.api_base = api_base.rstrip("/")
        self.gateway_url = gateway_url
        self.shards = shards
        self.client: discord.Client | None = None
        self._runner: asyncio.Task[None] | None = None

    def _build(self) -> discord.Client:
        # discord.py reads these class attributes; setting them is its documented way to point elsewhere.
        discord.http.Route.BASE = self.api_base
        if self.gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        # Only the (unprivileged) guilds intent: interactions arrive regardless, and nothing else is read.
        intents = discord.Intents.none()
        intents.guilds = True
        options: dict[str, Any] = {"intents": intents, "allowed_mentions": discord.AllowedMentions.none()}
        client: discord.Client
        if self.shards:
            client = discord.AutoShardedClient(shard_count=self.shards, **options)
        else:
            client = discord.Client(**options)
        client.paperbot_core = self.core  # type: ignore[attr-defined]
        tree = build_tree(client)
        client.add_dynamic_items(MoreLike, NextPage, Share, VoteButton)

        async def setup_hook() -> None:
            await self._sync_if_changed(client, tree)

        client.setup_hook = setup_hook  # type: ignore[method-assign]
        return client

    async def _sync_if_changed(self, client: discord.Client, tree: app_commands.CommandTree[Any]) -> None:
        key = f"discord_commands:{client.application_id}"
        digest = commands_hash(tree)
        if await self.core.get_meta(key) == digest:
            logger.info("discord commands unchanged; not syncing")
            return
        await tree.sync()
        await self.core.put_meta(key, digest)
        logger.info("discord commands synced")

    async def start(self) -> None:
        self.client = client = self._build()
        try:
            await client.login(self.token)
        except discord.LoginFailure:
            await client.close()
            raise DiscordConfigError("Discord rejected DISCORD_TOKEN (401 Unauthorized)") from None
        # Connected (READY received) is enough to serve: waiting for "ready" would add discord.py's
        # guild_ready_timeout after the last GUILD_CREATE, and nothing here needs the guild cache.
        connected = asyncio.create_task(client.wait_for("connect"))
        self._runner = asyncio.create_task(client.connect(reconnect=True))
        done, _ = await asyncio.wait(
            {connected, self._runner}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if connected not in done:
            connected.cancel()
            error = self._runner.exception() if self._runner in done else None
            await self.stop()
            reason = type(error).__name__ if error else "timeout"
            raise DiscordConfigError(f"could not connect to the Discord gateway ({reason})")
        logger.info("discord connected as %s", client.user)

    async def stop(self) -> None:
        if self.client is not None and not self.client.is_closed():
            await self.client.close()
        if self._runner is not None:
            self._runner.cancel()
            await asyncio.gather(self._runner, return_exceptions=True)

    def routes(self) -> list[Any]:
        return []

    async def post(self, ref: ChannelRef, digest: Digest, key: PostKey) -> list[str]:
        assert self.client is not None, "start() first"
        channel = self.client.get_partial_messageable(int(ref.channel))
        ids = []
        first = 0  # index of the message's first card in the digest
        messages = render.digest_messages(digest, marker=key.marker, per_message=render.CARDS_WITH_BUTTONS)
        for part, message in enumerate(messages):
            view = discord.ui.View(timeout=None)
            _card_buttons(view, digest.cards[first : first + len(message.embeds)], digest.first + first)
            first += len(message.embeds)
            try:
                sent = await channel.send(
                    content=message.content or None,
                    embeds=message.embeds,
                    view=view if view.children else discord.utils.MISSING,
                    nonce=key.nonce(part),
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            except discord.HTTPException as exc:
                raise _translate(exc) from exc
            ids.append(str(sent.id))
        return ids

    async def reply(self, ref: ChannelRef, thread: str, text: str, key: PostKey) -> list[str]:
        assert self.client is not None, "start() first"
        channel = self.client.get_partial_messageable(int(ref.channel))
        content = render.reply_content(text, key.marker)
        reference = discord.MessageReference(
            message_id=int(thread), channel_id=int(ref.channel), fail_if_not_exists=True
        )
        try:
            sent = await channel.send(
                content=content,
                reference=reference,
                nonce=key.nonce(0),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as exc:
            raise _translate(exc) from exc
        return [str(sent.id)]

    async def find_posted(self, ref: ChannelRef, key: PostKey) -> list[str] | None:
        assert self.client is not None, "start() first"
        marker = key.marker
        channel = self.client.get_partial_messageable(int(ref.channel))
        found = []
        try:
            async for message in channel.history(limit=50):
                if self.client.user and message.author.id != self.client.user.id:
                    continue
                texts = [message.content, *(e.footer.text or "" for e in message.embeds)]
                if any(t and t.endswith(marker) for t in texts):
                    found.append(str(message.id))
        except discord.HTTPException as exc:
            error = _translate(exc)
            if isinstance(error, ChannelUnavailable):
                raise error from exc
            return None
        return sorted(found, key=int)


def _translate(exc: discord.HTTPException) -> Exception:
    if exc.code in CHANNEL_GONE:
        return ChannelUnavailable(f"{CHANNEL_GONE[exc.code]} ({exc.code})")
    if exc.status == 401:
        logger.critical("discord token stopped working; stopping the Discord adapter")
        return AdapterFatal("discord", "401 Unauthorized")
    return exc
