"""Generated data in the exact shapes of the real services (see ../shared/data/README.md)."""

from __future__ import annotations

import random
from typing import Any


def thumbnail_url(paper_id: str) -> str:
    """Where Hugging Face keeps a paper's first-page social image (the real shape)."""
    return f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{paper_id}.png"


def hf_item(
    paper_id: str,
    title: str,
    summary: str,
    *,
    day: str = "2026-06-10",
    upvotes: int = 0,
    comments: int = 0,
    authors: tuple[str, ...] = ("Ada Lovelace", "Alan Turing"),
    keywords: tuple[str, ...] | None = None,
    ai_summary: str | None = None,
    stars: int | None = None,
    github: str | None = None,
    organization: str | None = None,
    legacy: bool = False,
) -> dict[str, Any]:
    """One /api/daily_papers item. Optional fields are omitted, never null, as the real API does."""
    paper: dict[str, Any] = {
        "id": paper_id,
        "authors": [{"_id": f"a{i}", "name": name, "hidden": False} for i, name in enumerate(authors)],
        "publishedAt": f"{day}T00:00:00.000Z",
        "title": title,
        "summary": summary,
        "upvotes": upvotes,
    }
    item: dict[str, Any] = {"paper": paper, "publishedAt": f"{day}T08:00:00.000Z", "title": title}
    if legacy:  # the 2024 schema: singular mediaUrl, no submittedOnDailyAt, no AI fields
        item["mediaUrl"] = f"https://cdn.example/{paper_id}.png"
        item["numComments"] = comments
        return item
    paper["submittedOnDailyAt"] = f"{day}T00:00:00.000Z"
    paper["discussionId"] = f"d{paper_id}"
    if keywords is not None:
        paper["ai_keywords"] = list(keywords)
    if ai_summary is not None:
        paper["ai_summary"] = ai_summary
    if github is not None:
        paper["githubRepo"] = github
    if stars is not None:
        paper["githubStars"] = stars
    if organization is not None:
        org = {"_id": "o1", "name": organization.replace(" ", ""), "fullname": organization, "avatar": "x"}
        paper["organization"] = org
        item["organization"] = org
    item.update(
        {
            "summary": summary,
            "thumbnail": thumbnail_url(paper_id),
            "numComments": comments,
            "isAuthorParticipating": False,
        }
    )
    return item


TOPICS = [
    (
        "Sparse Mixture-of-Experts (MoE) Routing at Scale",
        "We study mixture-of-experts routing for large models.",
    ),
    (
        "Compressing the Key-Value (KV) Cache for Long Context",
        "A key-value cache eviction policy for inference.",
    ),
    ("Moebius Transformations in Vision", "Moebius maps for image warping; no experts involved."),
    ("Diffusion Models for Video Generation", "We generate video with latent diffusion models."),
    ("State Space Models (SSMs) for Language", "Selective state space models rival attention."),
    (
        "Speculative Decoding with Draft Models",
        "Speculative decoding speeds up inference of language models.",
    ),
    (
        "Reward Models for RLHF",
        "Reinforcement learning from human feedback (RLHF) with better reward models.",
    ),
    ("Graph Neural Networks for Molecules", "Message passing graph neural networks (GNNs) for chemistry."),
]


def day_items(day: str, count: int, seed: int = 0, start: int = 1) -> list[dict[str, Any]]:
    """`count` plausible papers for `day`, ordered by upvotes descending like the real list."""
    rng = random.Random(seed)
    items = []
    for n in range(count):
        title, summary = TOPICS[n % len(TOPICS)]
        pid = f"2606.{start + n:05d}"
        items.append(
            hf_item(
                pid,
                f"{title} {n}" if n >= len(TOPICS) else title,
                summary,
                day=day,
                upvotes=rng.randint(0, 200),
                comments=rng.randint(0, 5),
                stars=rng.choice([None, rng.randint(0, 1000)]),
                keywords=rng.choice([None, ("transformer",)]),
            )
        )
    items.sort(key=lambda i: -i["paper"]["upvotes"])
    return items


# Values a paper's authors could type into githubRepo / projectPage that are not web addresses, or are
# web addresses carrying link markup. Each must be dropped, never rendered as a link.
HOSTILE_LINKS = (
    "!channel",
    "!here",
    "@U0123ABC",
    "#C123",
    "!subteam^S1",
    "javascript:alert(1)",
    "mailto:x@y",
    "https://ok.example/a|b",
    "<https://x>",
    "<!channel>",
    "https://evil.example/a) [click](https://evil.example/b",
    "https://user@evil.example/",
)
MASKED = "See [the code](https://a.example) and [the results](https://evil.example/phish)"


def hostile_items(day: str = "2026-06-10", start: int = 90001) -> list[dict[str, Any]]:
    """A day whose papers try to ping through their links and spoof links through their text."""
    items = []
    for n, link in enumerate(HOSTILE_LINKS):
        item = hf_item(
            f"2606.{start + n:05d}",
            f"Hostile paper {n}: {MASKED}",
            f"Abstract {n}. {MASKED}. Ping <!here> @everyone <@U1> <!subteam^S1|team>.",
            day=day,
            upvotes=100 - n,
            authors=(f"[HF verified](https://evil.example/a{n})", "<!channel>", "@everyone"),
            organization=f"[HF verified](https://evil.example/org{n}) and [again](https://evil.example/o)",
            github=link,
        )
        item["paper"]["projectPage"] = link
        items.append(item)
    return items
