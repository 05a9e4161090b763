"""Paper -> PaperCard: links, a short summary and the counters, as plain text for any renderer."""

from __future__ import annotations

import re
from datetime import date, timedelta

from paperbot.bot.links import image_url, paper_path, safe_url
from paperbot.bot.models import ARXIV_ABS_URL, ARXIV_PDF_URL, HF_PAPER_URL, Paper, PaperCard

SUMMARY_CHARS = 300
# A paper published this long before the list it is on gets its month shown: HF lists old papers too.
OLD_AFTER = timedelta(weeks=4)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def short_summary(paper: Paper, max_chars: int = SUMMARY_CHARS) -> str:
    """HF's one-line AI summary when there is one, else the abstract's first sentences."""
    text = paper.ai_summary or " ".join(paper.summary.split())
    if paper.ai_summary is None:
        sentences = _SENTENCE_END.split(text)
        picked = ""
        for sentence in sentences[:2]:
            if picked and len(picked) + len(sentence) + 1 > max_chars:
                break
            picked = f"{picked} {sentence}".strip()
        text = picked or text
    if len(text) > max_chars:
        text = text[: max_chars - 1].rsplit(" ", 1)[0] + "…"
    return text


_NEW_STYLE_ID = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}$")


def first_version(paper_id: str, published_at: str | None) -> tuple[date, date] | None:
    """When the paper first appeared, as the earliest and latest day it can have been: arXiv ids since
    2007 start with the year and month of the first version (Hugging Face's `publishedAt` is often the
    day it was listed instead: 2502.16886 says 2026-06-26); else the stored publication day."""
    found = _NEW_STYLE_ID.match(paper_id)
    if found:
        year, month = 2000 + int(found.group(1)), int(found.group(2))
        if 1 <= month <= 12:
            first = date(year, month, 1)
            last = (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)
            return first, last
    try:
        published = date.fromisoformat((published_at or "")[:10])
    except ValueError:
        return None
    return published, published


def published_label(paper_id: str, published_at: str | None, day: str | None) -> str:
    """ "Feb 2025" when the paper surely came out more than OLD_AFTER before `day`, else ""."""
    span = first_version(paper_id, published_at)
    if span is None or not day:
        return ""
    try:
        listed = date.fromisoformat(day[:10])
    except ValueError:
        return ""
    first, last = span
    return first.strftime("%b %Y") if listed - last > OLD_AFTER else ""


def to_card(
    paper: Paper,
    matched_topics: tuple[str, ...] = (),
    score: float = 0.0,
    day: str | None = None,
    why: str = "",
) -> PaperCard:
    """`day`: the day of the list the card is shown for, which decides whether its age is worth a note."""
    # Every link on a card is either built from the quoted id or checked here: a database written by an
    # older paperbot may still hold a `githubRepo` like "!channel".
    path = paper_path(paper.id)
    code_url = safe_url(paper.github_repo)
    project_url = safe_url(paper.project_page)
    return PaperCard(
        arxiv_id=paper.id,
        title=paper.title,
        url=HF_PAPER_URL.format(id=path),
        arxiv_url=ARXIV_ABS_URL.format(id=path),
        pdf_url=ARXIV_PDF_URL.format(id=path),
        summary=short_summary(paper),
        code_url=code_url,
        authors=paper.authors,
        organization=paper.organization,
        upvotes=paper.upvotes or 0,
        comments=paper.comments or 0,
        stars=paper.stars,
        matched_topics=matched_topics,
        score=score,
        project_url=None if project_url == code_url else project_url,  # many list the repo as both
        thumbnail_url=image_url(paper.thumbnail),
        published=published_label(paper.id, paper.published_at, day),
        why=why,
    )
