"""Answer within a platform's acknowledgement deadline, else acknowledge first and answer after.

Slack wants a slash command acknowledged within 3 s, Discord an interaction's first response within 3 s.
Every interactive path on both platforms (commands and buttons) goes through `within`, so no slow search
or database lock can make a platform show its "did not respond" error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

# Of the 3 s both platforms allow; what is left covers the network and keeps acks under 1 s.
ACK_BUDGET = 0.5


async def within(
    work: Awaitable[T], on_late: Callable[[], Awaitable[object]], budget: float = ACK_BUDGET
) -> tuple[T, bool]:
    """Wait up to `budget` for `work`; past it, call `on_late` (the platform's ack or defer) and keep
    waiting. Returns the result and whether `on_late` was called."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=budget)
    if task in done:
        return task.result(), False
    await on_late()
    return await task, True
