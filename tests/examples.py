"""The rendered digest payloads in docs/examples/, built from one recorded June day.

`python -m tests.examples` rewrites them; tests/test_cards.py checks the files still match what the
renderers produce, so the examples stay true.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlite_utils

from paperbot.adapters.discord import render as discord_render
from paperbot.adapters.slack import render as slack_render
from paperbot.bot.digest import build_digest
from paperbot.bot.ingest import import_batch
from paperbot.bot.models import ChannelRef, Digest
from paperbot.bot.sources.files import ImportBatch
from paperbot.bot.sources.hf import parse_daily
from paperbot.storage import channels as channel_store
from paperbot.storage.db import open_db

EXAMPLE_DAY = "2026-06-30"
EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
SLACK_FILE, DISCORD_FILE = EXAMPLES / "slack_digest.json", EXAMPLES / "discord_digest.json"


def load_day(db: sqlite_utils.Database, data: Path, day: str) -> None:
    items = json.loads((data / "hf_daily_papers" / f"{day}.json").read_text())
    listed = parse_daily(items, day)
    import_batch(db, ImportBatch(papers=[lp.paper for lp in listed], listed=listed))


EXAMPLE_REF = ChannelRef("slack", "C0EXAMPLE")
EXAMPLE_TOPIC = "kv cache"  # leads with ReFreeKV (arXiv 2502.16886): a Feb 2025 paper on a June 2026 list


def example_digest(data: Path) -> Digest:
    db = open_db(memory=True)
    load_day(db, data, EXAMPLE_DAY)
    channel_store.ensure_channel(db, EXAMPLE_REF, post_time="09:00", timezone="UTC", days="weekdays", size=5)
    channel_store.add_topic(db, EXAMPLE_REF, EXAMPLE_TOPIC, "example")
    return build_digest(db, EXAMPLE_REF, EXAMPLE_DAY, size=5, topics=[EXAMPLE_TOPIC])


def slack_payload(digest: Digest) -> dict[str, Any]:
    return slack_render.digest_messages(digest)[0]


def discord_payload(digest: Digest) -> list[dict[str, Any]]:
    return [
        {"content": m.content, "embeds": [e.to_dict() for e in m.embeds]}
        for m in discord_render.digest_messages(digest)
    ]


def dump(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    from tests.conftest import DATA

    digest = example_digest(DATA)
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    SLACK_FILE.write_text(dump(slack_payload(digest)))
    DISCORD_FILE.write_text(dump(discord_payload(digest)))
    print(f"wrote {SLACK_FILE} and {DISCORD_FILE}")


if __name__ == "__main__":
    main()
