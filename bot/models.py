"""The neutral message model: plain-text fields only; each adapter escapes and fits its platform."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

HF_PAPER_URL = "https://huggingface.co/papers/{id}"
ARXIV_ABS_URL = "https://arxiv.org/abs/{id}"
ARXIV_PDF_URL = "https://arxiv.org/pdf/{id}"
HF_DAY_URL = "https://huggingface.co/papers/date/{day}"


@dataclass(frozen=True)
class Paper:
    """A paper as stored: keyed by arXiv id without version."""

    id: str
    title: str
    summary: str
    authors: tuple[str, ...] = ()
    published_at: str | None = None  # ISO date (YYYY-MM-DD) of the arXiv publication
    upvotes: int | None = None
    comments: int | None = None
    stars: int | None = None
    github_repo: str | None = None
    project_page: str | None = None
    ai_summary: str | None = None
    ai_keywords: tuple[str, ...] = ()
    organization: str | None = None
    source: str = "hf"
    thumbnail: str | None = None  # https URL of the first-page social image (Hugging Face `thumbnail`)


@dataclass(frozen=True)
class ListedPaper:
    """One entry of a Hugging Face daily list: which paper, on which day, at which rank."""

    paper: Paper
    day: str  # YYYY-MM-DD, the day it was listed on Daily Papers
    rank: int


PLATFORMS = ("slack", "discord", "console")
MAX_CHANNEL = 128  # Slack and Discord ids are about 20 characters; console names are typed by people


@dataclass(frozen=True)
class ChannelRef:
    platform: str  # "slack", "discord", "console"
    channel: str
    workspace: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.channel}"

    @classmethod
    def parse(cls, text: str) -> ChannelRef:
        """PLATFORM:CHANNEL as typed on the command line (`slack:C0123`), for one of the three platforms."""
        platform, sep, channel = (part.strip() for part in text.partition(":"))
        platform = platform.lower()
        if not sep or not channel or platform not in PLATFORMS:
            raise ValueError(
                f"channel must look like PLATFORM:CHANNEL with PLATFORM one of {', '.join(PLATFORMS)} "
                f"(e.g. slack:C0123), got {text[:80]!r}"
            )
        if len(channel) > MAX_CHANNEL or not channel.isprintable() or any(c.isspace() for c in channel):
            raise ValueError(f"channel id must be at most {MAX_CHANNEL} printable characters without spaces")
        return cls(platform=platform, channel=channel)


@dataclass(frozen=True)
class PaperCard:
    arxiv_id: str
    title: str
    url: str
    arxiv_url: str
    pdf_url: str
    summary: str
    code_url: str | None = None
    authors: tuple[str, ...] = ()
    organization: str | None = None
    upvotes: int = 0
    comments: int = 0
    stars: int | None = None
    matched_topics: tuple[str, ...] = ()
    score: float = 0.0
    why: str = ""  # e.g. "matches kv cache", "like “Value-Aware KV Cache Eviction” (👍 ×3)", "trending"
    project_url: str | None = None
    thumbnail_url: str | None = None  # checked https image; None when absent or the channel turned images off
    published: str = ""  # "Feb 2025" for a paper much older than the list it is on, else empty
    followed: str = ""  # "new from Tri Dao" when the paper is by someone the channel follows

    def byline(self, max_authors: int = 3) -> str:
        names = list(self.authors[:max_authors])
        if len(self.authors) > max_authors:
            names.append("et al.")
        text = ", ".join(names)
        if self.organization:
            text = f"{text} · {self.organization}" if text else self.organization
        return text

    def stats(self) -> str:
        parts = [f"▲ {self.upvotes}"]
        if self.published:
            parts.insert(0, f"🗓 {self.published}")
        if self.comments:
            parts.append(f"💬 {self.comments}")
        if self.stars is not None:
            parts.append(f"★ {self.stars}")
        return "  ".join(parts)


@dataclass(frozen=True)
class Digest:
    title: str
    day: str
    cards: tuple[PaperCard, ...]
    footer: str = ""
    note: str = ""  # e.g. "nothing matched your topics today, showing the top trending"
    first: int = 1  # the number of the first card (a second page of results starts at 6)
    more: int = 0  # papers on the day's list this digest does not show
    more_url: str = ""  # the day's full list on Hugging Face
    more_label: str = "today's list"

    @property
    def more_text(self) -> str:
        """The last line, "+30 more on today's list"; empty when nothing is left out."""
        return f"+{self.more} more on {self.more_label}" if self.more > 0 else ""

    def fallback_text(self) -> str:
        """Numbered plain text: the notification preview and the version for clients without rich layout."""
        lines = [self.title]
        if self.note:
            lines.append(self.note)
        for number, card in enumerate(self.cards, self.first):
            line = f"{number}. {card.title} ({card.url})"
            if card.matched_topics:
                line += f" [{', '.join(card.matched_topics)}]"
            if card.followed:
                line += f" ({card.followed})"
            lines.append(line)
        if self.more_text:
            lines.append(f"{self.more_text} ({self.more_url})" if self.more_url else self.more_text)
        if self.footer:
            lines.append(self.footer)
        return "\n".join(lines)


class ReplyKind(StrEnum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Reply:
    text: str
    kind: ReplyKind = ReplyKind.INFO
    ephemeral: bool = True
    digest: Digest | None = None
    query: str | None = None  # set for searches, so adapters can offer "Next 5" and "Share in channel"
    offset: int = 0  # where this page of results starts
    more: bool = False  # whether a next page exists

    @property
    def next_offset(self) -> int:
        return self.offset + (len(self.digest.cards) if self.digest else 0)


@dataclass(frozen=True)
class Command:
    ref: ChannelRef
    user: str
    text: str
    user_can_manage: bool = True
    # Why the bot cannot post in this channel, with the fix ("invite me first: /invite @paperbot");
    # None when it can or the adapter cannot tell. Checked before a sub-command sets up daily digests.
    cannot_post: str | None = None
