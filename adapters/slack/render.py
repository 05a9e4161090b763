"""Pure rendering from the neutral model to Slack Block Kit, within Slack's limits.

Every untrusted string goes through `escape` (&, <, >), which also defuses `<!channel>`, `<!here>` and
`<@U...>`: nothing a paper says can ping anyone. Messages never set `link_names` or `parse=full`.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    ImageElement,
    MarkdownTextObject,
    SectionBlock,
)

from paperbot.bot.links import image_url, safe_url
from paperbot.bot.models import Digest, PaperCard, Reply, ReplyKind

# Slack's limits (measured, see DESIGN.md section 4).
MAX_BLOCKS = 50
SECTION_TEXT_MAX = 3000
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
CONTEXT_TEXT_MAX = 2000
FALLBACK_MAX = 3000
ALT_TEXT_MAX = 2000
# Each card is a section, a context, its 👍/👎 actions and a divider; a header, a note, the lead paper's
# image and a footer frame the message.
MAX_CARDS = (MAX_BLOCKS - 4) // 4

ACTION_MORE_LIKE = "paperbot_more_like"
ACTION_NEXT = "paperbot_next"
ACTION_SHARE = "paperbot_share"
ACTION_VOTE = "paperbot_vote_"  # + "up" / "down"; the value is the paper's arXiv id
VOTES = {"up": 1, "down": -1}

_KIND_ICON = {ReplyKind.INFO: "", ReplyKind.SUCCESS: "✅ ", ReplyKind.WARNING: "⚠️ ", ReplyKind.ERROR: "❌ "}


def _markdown(text: str) -> MarkdownTextObject:
    # verbatim: Slack must not turn plain text such as "@here" or "#general" into live mentions or links;
    # what is a link or a mention is decided here, after every untrusted string was escaped.
    return MarkdownTextObject(text=text, verbatim=True)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _link(url: str | None, label: str) -> str:
    # Only a checked web address becomes `<url|label>`: anything else ("!channel", "@U1", "#C1",
    # "javascript:") would be a ping, a mention or a live non-web link. Those show as the plain label.
    checked = safe_url(url)
    if checked is None:
        return escape(label)
    return f"<{checked}|{escape(label)}>"


def _alt(card: PaperCard) -> str:
    # Plain text to Slack, escaped all the same (as the header is): no field of a payload carries `<!`.
    return clip(escape(f"First page of “{clip(card.title, 300)}”"), ALT_TEXT_MAX)


def lead_image(card: PaperCard) -> ImageBlock | None:
    """The lead paper's first page, full width: one picture per digest, as Hugging Face's page opens."""
    url = image_url(card.thumbnail_url)
    return ImageBlock(image_url=url, alt_text=_alt(card)) if url else None


def card_blocks(
    number: int, card: PaperCard, *, with_button: bool = True, small_image: bool = False
) -> list[Block]:
    """`small_image`: the thumbnail as a small icon on the card's link line (cards after the lead).

    Slack gives a section one accessory; the card's is its button, so a per-card picture can only be
    a context image (icon-sized) or an image block (full width, five of them would flood the channel)."""
    title = _link(card.url, clip(card.title, 300))
    lines = [f"*{number}. {title}*", escape(card.summary)]
    byline = card.byline()
    if byline:
        lines.append(f"_{escape(clip(byline, 300))}_")
    section = SectionBlock(text=_markdown(clip("\n".join(lines), SECTION_TEXT_MAX)))
    if with_button:
        section.accessory = ButtonElement(
            text="More like this", action_id=ACTION_MORE_LIKE, value=clip(card.arxiv_id, BUTTON_VALUE_MAX)
        )
    links = [_link(card.url, "HF"), _link(card.arxiv_url, "arXiv"), _link(card.pdf_url, "PDF")]
    if card.code_url:
        links.append(_link(card.code_url, "code"))
    if card.project_url:
        links.append(_link(card.project_url, "project"))
    meta = [card.stats(), " · ".join(links)]
    if card.followed:
        meta.insert(0, f"*{escape(clip(card.followed, 200))}*")
    if card.why:
        meta.append(escape(card.why))
    elif card.matched_topics:
        meta.append("matched: " + ", ".join(escape(t) for t in card.matched_topics))
    elements: list[Any] = []
    thumb = image_url(card.thumbnail_url) if small_image else None
    if thumb:
        elements.append(ImageElement(image_url=thumb, alt_text=_alt(card)))
    elements.append(_markdown(clip("   ".join(meta), CONTEXT_TEXT_MAX)))
    context = ContextBlock(elements=elements)
    if not with_button:
        return [section, context]
    value = clip(card.arxiv_id, BUTTON_VALUE_MAX)
    votes = ActionsBlock(
        elements=[
            ButtonElement(text="👍", action_id=ACTION_VOTE + "up", value=value),
            ButtonElement(text="👎", action_id=ACTION_VOTE + "down", value=value),
        ]
    )
    return [section, context, votes]


def _header(text: str) -> HeaderBlock:
    return HeaderBlock(text=clip(escape(text), HEADER_MAX))


def digest_messages(digest: Digest, *, per_message: int = 10) -> list[dict[str, Any]]:
    """A digest as one or more messages (`text` fallback + `blocks`), each within MAX_BLOCKS."""
    if not 1 <= per_message <= MAX_CARDS:
        raise ValueError(f"per_message must be 1..{MAX_CARDS}")
    cards = list(digest.cards)
    chunks = [cards[i : i + per_message] for i in range(0, len(cards), per_message)] or [[]]
    messages = []
    for part, chunk in enumerate(chunks):
        blocks: list[Block] = []
        if part == 0:
            blocks.append(_header(digest.title))
            if digest.note:
                blocks.append(ContextBlock(elements=[_markdown(clip(escape(digest.note), 2000))]))
        for offset, card in enumerate(chunk):
            lead = part == 0 and offset == 0
            image = lead_image(card) if lead else None
            if image is not None:
                blocks.append(image)
            number = digest.first + part * per_message + offset
            blocks.extend(card_blocks(number, card, small_image=not lead))
            blocks.append(DividerBlock())
        last_lines = [escape(digest.footer)] if digest.footer else []
        if digest.more_text:
            last_lines.append(_link(digest.more_url, digest.more_text))
        if part == len(chunks) - 1 and last_lines:
            text = clip("\n".join(last_lines), CONTEXT_TEXT_MAX)
            blocks.append(ContextBlock(elements=[_markdown(text)]))
        # The plain-text version is what notifications and screen readers show.
        fallback = digest.fallback_text() if part == 0 else f"{digest.title} (continued)"
        message_blocks = [b.to_dict() for b in blocks]
        messages.append({"text": clip(escape(fallback), FALLBACK_MAX), "blocks": message_blocks})
    return messages


def next_value(query: str, offset: int) -> str:
    return clip(json.dumps({"q": query, "o": offset}, ensure_ascii=False), BUTTON_VALUE_MAX)


def reply_payload(reply: Reply) -> dict[str, Any]:
    """A command reply for `ack()` / `respond()`: ephemeral unless the reply says otherwise."""
    response_type = "ephemeral" if reply.ephemeral else "in_channel"
    if reply.digest is None:
        text = clip(_KIND_ICON[reply.kind] + escape(reply.text), FALLBACK_MAX)
        return {"response_type": response_type, "text": text}
    message = digest_messages(reply.digest, per_message=MAX_CARDS)[0]
    blocks = message["blocks"]
    buttons = []
    if reply.query is not None:
        if reply.more:
            value = next_value(reply.query, reply.next_offset)
            buttons.append(ButtonElement(text="Next 5", action_id=ACTION_NEXT, value=value))
        share = next_value(reply.query, reply.offset)
        buttons.append(ButtonElement(text="Share in channel", action_id=ACTION_SHARE, value=share))
    if buttons:
        blocks = [*blocks[: MAX_BLOCKS - 1], ActionsBlock(elements=buttons).to_dict()]
    return {"response_type": response_type, "text": message["text"], "blocks": blocks}
