"""Pure rendering from the neutral model to Discord embeds, within Discord's limits.

Untrusted text is escaped by `safe`: discord.utils.escape_markdown (which also escapes backslashes), then
every bracket and parenthesis it left bare, since it defuses only the first of several masked links in
one string, then escape_mentions. The client is also built with
AllowedMentions.none(), so `@everyone` in a title is shown, never obeyed. Links are only ever built from
URLs that pass bot.links.safe_url.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import discord

from paperbot.bot.links import image_url, safe_url
from paperbot.bot.models import Digest, PaperCard, Reply, ReplyKind

# Discord's limits (measured, see DESIGN.md section 4).
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FOOTER_MAX = 2048
CONTENT_MAX = 2000
EMBEDS_PER_MESSAGE = 10
CHARS_PER_MESSAGE = 6000
CUSTOM_ID_MAX = 100
COMPONENTS_PER_MESSAGE = 25  # 5 action rows of 5 buttons
# Each card carries 👍, 👎 and "More like" buttons: a message holds at most 7 cards, leaving 4 buttons spare
# (a search reply's "Next 5" and "Share in channel").
CARDS_WITH_BUTTONS = (COMPONENTS_PER_MESSAGE - 4) // 3
COMMAND = re.compile(r"/papers (?=[\w<\"])")

COLOR = {
    ReplyKind.INFO: 0x3B82F6,
    ReplyKind.SUCCESS: 0x22C55E,
    ReplyKind.WARNING: 0xF59E0B,
    ReplyKind.ERROR: 0xEF4444,
}


# A bracket or parenthesis after an even number of backslashes (none included) is still live markup.
_BARE_LINK_MARKUP = re.compile(r"(?<!\\)((?:\\\\)*)([\[\]()])")


def safe(text: str) -> str:
    escaped = _BARE_LINK_MARKUP.sub(r"\1\\\2", discord.utils.escape_markdown(text))
    return discord.utils.escape_mentions(escaped)


def discord_syntax(text: str) -> str:
    """The core writes commands as Slack and the terminal type them (`/papers subscribe moe`); on Discord
    the same command is `/papers query: subscribe moe`."""
    return COMMAND.sub("/papers query: ", text)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _link(label: str, url: str | None) -> str:
    # Only a checked web address (no brackets, parentheses or whitespace) becomes a masked link.
    checked = safe_url(url)
    return f"[{label}]({checked})" if checked else label


def card_embed(number: int, card: PaperCard, footer: str = "", last_line: str = "") -> discord.Embed:
    """`last_line`: already-safe markdown closing the digest (the "+N more" link).

    The thumbnail goes in each embed's small top-right slot: every card gets its picture, the cards stay
    the same height, and its URL does not count toward the 6,000 characters."""
    lines = [safe(card.summary)]
    if card.followed:
        lines.insert(0, f"**{safe(clip(card.followed, 200))}**")
    byline = card.byline()
    if byline:
        lines.append(f"*{safe(clip(byline, 300))}*")
    links = [_link("HF", card.url), _link("arXiv", card.arxiv_url), _link("PDF", card.pdf_url)]
    if card.code_url:
        links.append(_link("code", card.code_url))
    if card.project_url:
        links.append(_link("project", card.project_url))
    lines.append(f"{card.stats()}   " + " · ".join(links))
    if card.why:
        lines.append(safe(card.why))
    elif card.matched_topics:
        lines.append("matched: " + ", ".join(safe(t) for t in card.matched_topics))
    if last_line:
        lines.append(f"\n{last_line}")
    embed = discord.Embed(
        title=clip(f"{number}. {safe(card.title)}", TITLE_MAX),
        url=card.url,
        description=clip("\n".join(lines), DESCRIPTION_MAX),
        color=COLOR[ReplyKind.INFO],
    )
    if footer:
        embed.set_footer(text=clip(footer, FOOTER_MAX))
    thumb = image_url(card.thumbnail_url)
    if thumb:
        embed.set_thumbnail(url=thumb)
    return embed


@dataclass
class Message:
    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)

    def size(self) -> int:
        return sum(len(e) for e in self.embeds)


def digest_messages(digest: Digest, marker: str = "", per_message: int = EMBEDS_PER_MESSAGE) -> list[Message]:
    """A digest as messages of at most 10 embeds and 6,000 embed characters each.

    `marker` goes into the last embed's footer: it lets a restarted bot recognise a digest it sent.
    """
    heading = f"**{safe(clip(digest.title, 200))}**"
    if digest.note:
        heading += f"\n{safe(clip(discord_syntax(digest.note), 1500))}"
    messages = [Message(content=clip(heading, CONTENT_MAX))]
    footer = " · ".join(p for p in (discord_syntax(digest.footer), marker) if p)
    last = digest.first + len(digest.cards) - 1
    more = _link(safe(digest.more_text), digest.more_url) if digest.more_text else ""
    for number, card in enumerate(digest.cards, digest.first):
        closing = number == last
        embed = card_embed(number, card, footer if closing else "", more if closing else "")
        current = messages[-1]
        if (
            len(current.embeds) >= min(per_message, EMBEDS_PER_MESSAGE)
            or current.size() + len(embed) > CHARS_PER_MESSAGE
        ):
            messages.append(Message())
            current = messages[-1]
        current.embeds.append(embed)
    if not digest.cards and marker:
        messages[0].content = clip(f"{messages[0].content}\n-# {marker}", CONTENT_MAX)
    return messages


def reply_content(text: str, marker: str) -> str:
    """A thread reply: the text escaped, the marker a restarted bot recognises it by on its last line."""
    return clip(safe(text), CONTENT_MAX - len(marker) - 4) + f"\n-# {marker}"


def reply_message(reply: Reply) -> Message:
    """A command reply as one message (a search shows five papers, well within every limit)."""
    if reply.digest is None:
        return Message(content=clip(safe(discord_syntax(reply.text)), CONTENT_MAX))
    (first, *rest) = digest_messages(reply.digest)
    for extra in rest:  # never happens for a 5-paper page; keep what fits rather than fail
        for embed in extra.embeds:
            if len(first.embeds) < EMBEDS_PER_MESSAGE and first.size() + len(embed) <= CHARS_PER_MESSAGE:
                first.embeds.append(embed)
    return first
