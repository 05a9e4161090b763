"""Slack's rules for what a message may contain, as the local Slack enforces them."""

from __future__ import annotations

import re
from typing import Any

# What would notify people if it reached Slack unescaped: @channel/@here/@everyone (with or without a
# label, `<!channel|code>` pings too), a user group (`<!subteam^S1>`) and a user mention.
PING = re.compile(r"<!(channel|here|everyone)\b|<!subteam\^|<@[UWB][A-Z0-9]+")
# Slack's live markup: `<target>` or `<target|label>`. Only a plain web address is a harmless target;
# `<#C1|x>`, `<javascript:...|x>`, `<mailto:...|x>` or `<!date...>` are links the bot never means to post.
LIVE_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
WEB_TARGET = re.compile(r"^https?://[^\s<>|]+$")


def live_links(text: str) -> list[tuple[str, str]]:
    """Every (target, label) Slack would render as a link or mention in this mrkdwn."""
    return [(m.group(1), m.group(2) or "") for m in LIVE_LINK.finditer(text)]


def _text_len(obj: Any) -> int:
    return len(obj.get("text", "")) if isinstance(obj, dict) else 0


def block_errors(blocks: Any) -> list[str]:
    """What real Slack would call invalid_blocks, as readable reasons."""
    if not isinstance(blocks, list):
        return ["blocks is not a list"]
    errors = []
    if len(blocks) > 50:
        errors.append(f"{len(blocks)} blocks > 50")
    for n, block in enumerate(blocks):
        kind = block.get("type")
        if kind == "header":
            if block.get("text", {}).get("type") != "plain_text" or _text_len(block.get("text")) > 150:
                errors.append(f"block {n}: header must be plain_text <= 150")
        elif kind == "section":
            if _text_len(block.get("text")) > 3000:
                errors.append(f"block {n}: section text > 3000")
            accessory = block.get("accessory")
            if accessory:
                errors.extend(_button_errors(accessory, n))
        elif kind == "context":
            elements = block.get("elements", [])
            if not 1 <= len(elements) <= 10 or any(_text_len(e) > 3000 for e in elements):
                errors.append(f"block {n}: context elements")
            errors.extend(e for el in elements if el.get("type") == "image" for e in _image_errors(el, n))
        elif kind == "image":
            errors.extend(_image_errors(block, n))
            title = block.get("title")
            if title is not None and (title.get("type") != "plain_text" or _text_len(title) > 2000):
                errors.append(f"block {n}: image title must be plain_text <= 2000")
        elif kind == "actions":
            elements = block.get("elements", [])
            if not 1 <= len(elements) <= 25:
                errors.append(f"block {n}: actions elements")
            ids = [e.get("action_id") for e in elements if e.get("action_id")]
            if len(ids) != len(set(ids)):
                errors.append(f"block {n}: duplicate action_id")
            for element in elements:
                errors.extend(_button_errors(element, n))
        elif kind != "divider":
            errors.append(f"block {n}: unknown type {kind!r}")
    return errors


def _image_errors(element: dict[str, Any], n: int) -> list[str]:
    """An image block, image element or image accessory: a URL Slack can fetch, and alt text."""
    out = []
    url, alt = element.get("image_url"), element.get("alt_text")
    # Slack takes http too; the stand-in wants https, which is all paperbot ever sends.
    if not isinstance(url, str) or not url.startswith("https://") or len(url) > 3000:
        out.append(f"block {n}: image_url must be an https URL <= 3000")
    if not isinstance(alt, str) or not alt or len(alt) > 2000:
        out.append(f"block {n}: image alt_text must be 1-2000 characters")
    return out


def _button_errors(element: dict[str, Any], n: int) -> list[str]:
    out = []
    if element.get("type") == "image":
        return _image_errors(element, n)
    if element.get("type") == "button":
        if _text_len(element.get("text")) > 75:
            out.append(f"block {n}: button text > 75")
        if len(element.get("value", "")) > 2000:
            out.append(f"block {n}: button value > 2000")
        if len(element.get("action_id", "")) > 255:
            out.append(f"block {n}: action_id > 255")
    return out
