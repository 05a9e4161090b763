"""Paper -> PaperCard: links, a short summary and the counters, as plain text for any renderer."""

from __future__ import annotations

import re

from paperbot.bot.links import paper_path, safe_url
from paperbot.bot.models import ARXIV_ABS_URL, ARXIV_PDF_URL, HF_PAPER_URL, Paper, PaperCard

SUMMARY_CHARS = 300
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


def to_card(paper: Paper, matched_topics: tuple[str, ...] = (), score: float = 0.0) -> PaperCard:
    # Every link on a card is either built from the quoted id or checked here: a database written by an
    # older paperbot may still hold a `githubRepo` like "!channel".
    path = paper_path(paper.id)
    return PaperCard(
        arxiv_id=paper.id,
        title=paper.title,
        url=HF_PAPER_URL.format(id=path),
        arxiv_url=ARXIV_ABS_URL.format(id=path),
        pdf_url=ARXIV_PDF_URL.format(id=path),
        summary=short_summary(paper),
        code_url=safe_url(paper.github_repo),
        authors=paper.authors,
        organization=paper.organization,
        upvotes=paper.upvotes or 0,
        comments=paper.comments or 0,
        stars=paper.stars,
        matched_topics=matched_topics,
        score=score,
    )
