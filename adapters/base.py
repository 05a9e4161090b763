"""The contract every chat adapter keeps. The core talks to Slack, Discord and the terminal only through it.

An adapter MUST:
- translate platform payloads into `bot.models.Command` and hand them to `bot.commands.handle`, and render
  the returned `Reply` within the platform's limits, escaping every untrusted string so nothing pings anyone;
- implement `post(ref, digest, key)` so that it returns the platform ids of the messages it sent, and
  attaches `key` to them where the platform allows (Slack metadata, Discord nonce);
- raise `ChannelUnavailable` when the channel is gone or forbids posting (the core pauses that channel),
  `AdapterFatal` when the adapter itself cannot go on (bad token), and let anything else propagate.
An adapter SHOULD:
- implement `find_posted(ref, key)` to say whether a message with `key` already exists (for a claim left
  unconfirmed by a crash): its ids, [] when certainly absent, or None when it cannot tell;
- retry rate limits itself, honouring the platform's retry-after.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from paperbot.bot.models import ChannelRef, Digest


class ChannelUnavailable(Exception):
    """The channel cannot receive posts (deleted, archived, bot removed); the message says why."""


class AdapterFatal(Exception):
    """The adapter cannot continue (revoked or invalid credentials)."""


@runtime_checkable
class ChatAdapter(Protocol):
    platform: str

    async def post(self, ref: ChannelRef, digest: Digest, key: str) -> list[str]: ...

    async def find_posted(self, ref: ChannelRef, key: str) -> list[str] | None: ...
