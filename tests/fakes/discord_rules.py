"""Discord's limits for messages, and the static payloads the local gateway sends."""

from __future__ import annotations

import re
from typing import Any

# Discord drops the backslash before any punctuation and shows the character literally.
_ESCAPED = re.compile(r"\\[^0-9A-Za-z\s]")
# A masked link as Discord renders it in content, descriptions and field values: [label](url) or
# [label](<url>). Checked in titles too: stricter than Discord, never looser.
MASKED_LINK = re.compile(r"\[([^\[\]\n]*(?:\[[^\[\]\n]*\][^\[\]\n]*)*)\]\(\s*<?([^()\s<>]+)>?\s*\)")
# Mentions that notify unless allowed_mentions says otherwise.
MENTION = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>")


def live_links(text: str) -> list[tuple[str, str]]:
    """Every (label, url) Discord would render as a clickable masked link in this text."""
    plain = _ESCAPED.sub("\x00", text)
    return [(m.group(1), m.group(2)) for m in MASKED_LINK.finditer(plain)]


def message_texts(message: dict[str, Any]) -> list[str]:
    """The strings of a message where markdown renders."""
    texts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        texts += [embed.get("title", ""), embed.get("description", "")]
        texts += [f.get("value", "") for f in embed.get("fields", [])]
    return texts


def mentions(message: dict[str, Any]) -> list[str]:
    """Mentions in the content that would notify: unescaped and not suppressed by allowed_mentions."""
    allowed = message.get("allowed_mentions")
    suppressed = isinstance(allowed, dict) and allowed.get("parse") == []
    if suppressed and not (allowed.get("users") or allowed.get("roles")):
        return []
    return [m.group(0) for m in MENTION.finditer(message.get("content") or "")]


def embed_errors(embeds: list[dict[str, Any]], content: str = "") -> list[str]:
    errors = []
    if len(content) > 2000:
        errors.append("content > 2000")
    if len(embeds) > 10:
        errors.append(f"{len(embeds)} embeds > 10")
    total = 0
    for n, embed in enumerate(embeds):
        title, description = embed.get("title", ""), embed.get("description", "")
        footer = (embed.get("footer") or {}).get("text", "")
        author = (embed.get("author") or {}).get("name", "")
        fields = embed.get("fields", [])
        for slot in ("thumbnail", "image"):
            url = (embed.get(slot) or {}).get("url")
            if url is not None and not (
                isinstance(url, str) and url.startswith(("https://", "attachment://"))
            ):
                errors.append(f"embed {n}: {slot} url must be https or attachment://")
        if len(title) > 256:
            errors.append(f"embed {n}: title > 256")
        if len(description) > 4096:
            errors.append(f"embed {n}: description > 4096")
        if len(footer) > 2048:
            errors.append(f"embed {n}: footer > 2048")
        if len(fields) > 25:
            errors.append(f"embed {n}: > 25 fields")
        for f in fields:
            if len(f.get("name", "")) > 256 or len(f.get("value", "")) > 1024:
                errors.append(f"embed {n}: field too long")
        total += len(title) + len(description) + len(footer) + len(author)
        total += sum(len(f.get("name", "")) + len(f.get("value", "")) for f in fields)
    if total > 6000:
        errors.append(f"embeds total {total} > 6000")
    return errors


def component_errors(rows: list[dict[str, Any]]) -> list[str]:
    """Discord's message component limits: 5 action rows of 1-5 buttons, custom_id 1-100 characters and
    unique within the message, label at most 80."""
    errors = []
    if len(rows) > 5:
        errors.append(f"{len(rows)} action rows > 5")
    seen: set[str] = set()
    for n, row in enumerate(rows):
        children = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(children) <= 5:
            errors.append(f"row {n}: must be an action row of 1-5 components")
        for child in children:
            custom_id = str(child.get("custom_id", ""))
            if child.get("type") == 2 and child.get("style") != 5 and not 1 <= len(custom_id) <= 100:
                errors.append(f"row {n}: custom_id must be 1-100 characters")
            if custom_id and custom_id in seen:
                errors.append(f"row {n}: duplicate custom_id {custom_id!r}")
            seen.add(custom_id)
            if len(str(child.get("label", ""))) > 80:
                errors.append(f"row {n}: label > 80")
    return errors


def guild_payload(guild_id: str, channel_ids: list[str]) -> dict[str, Any]:
    """GUILD_CREATE for a server holding those text channels, as the gateway sends it."""
    everyone = {
        "id": guild_id,
        "name": "@everyone",
        "permissions": str((1 << 10) | (1 << 11)),
        "position": 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }
    channels = [
        {"id": cid, "type": 0, "name": f"papers-{n}", "position": n, "permission_overwrites": []}
        for n, cid in enumerate(channel_ids)
    ]
    return {
        "id": guild_id,
        "name": "Reading group",
        "owner_id": "1000000000000000001",
        "unavailable": False,
        "member_count": 2,
        "large": False,
        "joined_at": "2026-01-01T00:00:00+00:00",
        "roles": [everyone],
        "channels": channels,
        "members": [],
        "threads": [],
        "emojis": [],
        "stickers": [],
        "features": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "premium_tier": 0,
        "preferred_locale": "en-US",
    }


MANAGE_CHANNELS = 1 << 4
VIEW_AND_SEND = (1 << 10) | (1 << 11)
EMBED_LINKS = 1 << 14
BOT_DEFAULT = VIEW_AND_SEND | EMBED_LINKS  # what the bot's role has in a channel unless a test says otherwise


def interaction_payload(
    iid: str,
    app_id: str,
    guild_id: str,
    kind: int,
    channel_id: str,
    user: dict[str, Any],
    manage: bool,
    app_permissions: int = BOT_DEFAULT,
) -> dict[str, Any]:
    """INTERACTION_CREATE's body, with the fields discord.py reads (a partial channel needs them all)."""
    permissions = str(MANAGE_CHANNELS if manage else VIEW_AND_SEND)
    return {
        "id": iid,
        "application_id": app_id,
        "type": kind,
        "token": f"tok-{iid}",
        "version": 1,
        "guild_id": guild_id,
        "channel_id": channel_id,
        "channel": {
            "id": channel_id,
            "type": 0,
            "guild_id": guild_id,
            "name": "papers",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "rate_limit_per_user": 0,
            "topic": None,
            "last_message_id": None,
            "flags": 0,
            "permissions": permissions,
        },
        "member": {
            "user": user,
            "roles": [],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": permissions,
        },
        "app_permissions": str(app_permissions),  # the bot's own permissions in the channel
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": guild_id},
        "context": 0,
        "attachment_size_limit": 8388608,
    }


def message_payload(
    mid: str, channel_id: str, body: dict[str, Any], author: dict[str, Any]
) -> dict[str, Any]:
    """A message object as Discord returns it for what the bot sent in `body`."""
    return {
        "id": mid,
        "type": 19 if body.get("message_reference") else 0,  # 19: a reply
        "channel_id": channel_id,
        "author": author,
        "content": body.get("content") or "",
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "nonce": body.get("nonce"),
        "flags": body.get("flags", 0),
        "allowed_mentions": body.get("allowed_mentions"),
        "timestamp": "2026-06-10T09:00:00.000000+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "pinned": False,
        **({"message_reference": body["message_reference"]} if body.get("message_reference") else {}),
    }
