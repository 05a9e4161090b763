"""Discord adapter: a discord.py Client with one `/papers` command, translating to and from the core.

The client runs on the bot's event loop beside Slack and the scheduler. Minimal intents, no privileged
ones; AllowedMentions.none() on the client. Buttons are DynamicItems with stable custom_ids, so a
button on a message from before a restart still works. Commands are synced only when their definition
changed (a hash kept in the database), not on every start.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import yarl
from discord import app_commands

from paperbot.adapters.discord import render
from paperbot.adapters.discord.interactions import (
    MoreLike,
    NextPage,
    Share,
    VoteButton,
    build_tree,
    card_buttons,
    commands_hash,
)
from paperbot.bot.models import ChannelRef, Digest
from paperbot.bot.ports import AdapterFatal, ChannelUnavailable, PostKey
from paperbot.bot.service import Service

logger = logging.getLogger(__name__)

READY_TIMEOUT = 30.0
CHANNEL_GONE = {10003: "Unknown Channel", 50001: "Missing Access", 50013: "Missing Permissions"}


class DiscordConfigError(Exception):
    """Discord refused the configured token, or the gateway could not be reached; one line, no secret."""


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
            card_buttons(view, digest.cards[first : first + len(message.embeds)], digest.first + first)
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
