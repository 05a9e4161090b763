"""The contract every chat adapter keeps. The core talks to Slack, Discord and the terminal only through it.

An adapter MUST:
- translate platform payloads into `Command`s for the core's `Service` and render the returned `Reply`
  within the platform's limits, escaping every untrusted string so nothing pings anyone or spoofs a link;
- answer every interaction through `answer_within` (bot.deadline), so a slow core never misses the
  platform's acknowledgement deadline;
- implement `post(ref, digest, key)`: send the digest, return the platform ids of the messages sent, and
  attach `key.token` to them where the platform allows (Slack metadata, Discord nonce) or `key.marker`
  to visible text where it does not;
- implement `reply(ref, thread, text, key)`: send `text` (plain, escaped like any paper text) as a reply
  in the thread of message `thread` (Slack thread_ts, a Discord reply), attach `key` as `post` does,
  never ping anyone, and return the ids sent;
- implement `find_posted(ref, key)`: the ids of the messages carrying `key` ([] when certainly absent),
  or None when it cannot tell; the core resends only on []. A key with a `thread` is looked for among
  that thread's replies;
- raise `ChannelUnavailable` when the channel is gone or forbids posting (the core pauses that channel),
  `AdapterFatal` when the adapter itself cannot go on (bad token); anything else is a failed send.
An adapter SHOULD:
- retry rate limits itself, honouring the platform's retry-after;
- do nothing slow in `start()` beyond logging in, and release everything in `stop()`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from aiohttp import web

from paperbot.bot.models import ChannelRef, Digest

KEY_PREFIX = "paperbot"


class ChannelUnavailable(Exception):
    """The channel cannot receive posts (deleted, archived, bot removed); the message says why."""


class AdapterFatal(Exception):
    """The adapter cannot continue (revoked or invalid credentials)."""

    def __init__(self, platform: str, reason: str) -> None:
        super().__init__(f"{platform}: {reason}")
        self.platform = platform
        self.reason = reason


@dataclass(frozen=True)
class PostKey:
    """What identifies one scheduled post (a channel's digest for a day, or a catch-up) on the platform.

    The core owns its format: adapters attach `token` (or `nonce(part)`) and search for it, or show
    `marker`; they never parse either.
    """

    ref: ChannelRef
    slot: str  # "2026-06-10", "catchup:2026-06-10", "alert:...", "followup:..."
    thread: str | None = None  # a reply: the platform id of the message it answers

    @property
    def token(self) -> str:
        return f"{KEY_PREFIX}:{self.ref.key}:{self.slot}"

    @property
    def marker(self) -> str:
        """Short visible text that ends a posted digest, for platforms without message metadata."""
        return f"digest {self.slot}"

    def nonce(self, part: int) -> str:
        """At most 25 characters (Discord's nonce limit); the same key and part always give the same one."""
        return hashlib.sha256(f"{self.token}#{part}".encode()).hexdigest()[:25]

    def __str__(self) -> str:
        return self.token


@runtime_checkable
class ChatAdapter(Protocol):
    platform: str

    async def start(self) -> None:
        """Log in and connect. Raise an exception with a one-line message when that is impossible."""

    async def stop(self) -> None:
        """Disconnect and release everything; called once, also after a failed start."""

    def routes(self) -> Sequence[web.RouteDef]:
        """HTTP endpoints served by the bot's listener (Slack HTTP mode); empty for most adapters."""
        ...

    async def post(self, ref: ChannelRef, digest: Digest, key: PostKey) -> list[str]: ...

    async def reply(self, ref: ChannelRef, thread: str, text: str, key: PostKey) -> list[str]: ...

    async def find_posted(self, ref: ChannelRef, key: PostKey) -> list[str] | None: ...


class Embedder(Protocol):
    """A sentence model for the optional semantic search: one vector per text, same size for every text."""

    model: str  # stored beside each vector, so another model's vectors are never compared with this one's

    def embed(self, texts: Sequence[str]) -> Sequence[Sequence[float]]: ...
