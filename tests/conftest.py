from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlite_utils

from bot.models import ChannelRef, Digest
from storage.db import open_db
from tests.fakes.hf import FakeHF

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DATA = SHARED / "data"


def shared_data() -> Path:
    if not (DATA / "hf_daily_papers").is_dir():
        pytest.skip(f"recorded data not found at {DATA} (CI keeps ../shared beside the checkout)")
    return DATA


@pytest.fixture
def fresh_db() -> Iterator[sqlite_utils.Database]:
    db = open_db(memory=True)
    yield db
    db.close()


@pytest.fixture
async def fake_hf() -> AsyncIterator[FakeHF]:
    server = FakeHF()
    await server.start()
    yield server
    await server.stop()


class RecordingAdapter:
    """A chat adapter that records posts; scripted failures per channel."""

    platform = "console"

    def __init__(self) -> None:
        self.posts: list[tuple[ChannelRef, Digest, str]] = []
        self.failures: dict[str, Exception] = {}

    async def post(self, ref: ChannelRef, digest: Digest, key: str) -> list[str]:
        if ref.channel in self.failures:
            raise self.failures[ref.channel]
        self.posts.append((ref, digest, key))
        return [f"m{len(self.posts)}"]

    async def find_posted(self, ref: ChannelRef, key: str) -> list[str] | None:
        return [f"m{i + 1}" for i, (_, _, k) in enumerate(self.posts) if k == key]


@pytest.fixture
def recorder() -> RecordingAdapter:
    return RecordingAdapter()
