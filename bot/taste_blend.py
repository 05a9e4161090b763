"""A digest's selection when a channel has taste: topics, taste and trending blended. Pure functions.

Taste only reorders and fills: a paper the channel excluded (`-word` in a topic) or was already sent is
never chosen, and a card's `why` names only what is true of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, field

# Weights chosen by bench/taste.py (see BENCHMARKS.md). A topic match leads; within and after the matches,
# taste orders; trending breaks near-ties and is what a channel with no signal gets.
W_MATCH = 1.0
W_TOPIC = 1.0
W_TASTE = 0.8
W_TREND = 0.15
# Exploration, while a channel has liked fewer than EXPLORE_UNTIL_LIKED papers: in a digest of
# EXPLORE_MIN_SIZE cards or more, some go to the candidates least like anything it was shown, nudged by
# taste and trending — all of them while it has liked nothing, a fifth fewer per paper liked, never fewer
# than EXPLORE_CARDS. Without them a channel that liked one area is only ever shown that area and never
# learns its other interests (bench/taste.py: taste only, days 8-21, +3 points for two cards; all cards
# while nothing is liked, one fewer per like, +0.8 more).
EXPLORE_UNTIL_LIKED = 5
EXPLORE_CARDS = 2
EXPLORE_MIN_SIZE = 5
EXPLORE_TASTE = 0.3
EXPLORE_TREND = 0.3
WHY_TOPIC = "matches"  # + the topics the paper really matched
WHY_TRENDING = "trending"
WHY_EXPLORE = "something different, to learn your taste"
WHY_VOTES = "suggested by this channel's votes"  # taste chose it, far down the trending order
WHY_SHARES = "with papers you liked"  # after "shares “GRPO”, “policy optimization”"
WHY_NEAR = "partly matches"  # + the topics whose words (or their stems) it has some of, not enough to match
LIKE_THRESHOLD = 0.12  # similarity to a liked paper below this is not called "like ..."


@dataclass(frozen=True)
class TasteView:
    """A channel's taste applied to one pool of papers (keys are the pool's pks)."""

    scores: Mapping[int, float]  # normalised: the best candidate is 1
    like: Mapping[int, tuple[str, int]] = field(default_factory=dict)  # pk -> (liked title, 👍 count)
    vetoed: Set[int] = frozenset()  # papers the channel already liked: taste never offers them again
    novelty: Mapping[int, float] = field(default_factory=dict)  # pk -> 1 - closeness to what it saw; empty:
    # the channel knows enough, no exploring
    liked: int = 0  # papers the channel liked
    # pk -> the markers it carries, strongest first (bot/taste_markers.py), for papers they lifted much
    carries: Mapping[int, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Pick:
    chosen: list[int]
    explored: frozenset[int] = frozenset()  # chosen to learn from, not because they scored best


def normalise(raw: Mapping[int, float]) -> dict[int, float]:
    top = max((abs(v) for v in raw.values()), default=0.0) or 1.0
    return {pk: v / top for pk, v in raw.items()}


def blend_pick(
    by_trend: Sequence[int],
    trend: Mapping[int, float],
    topic: Mapping[int, float],
    view: TasteView,
    skip: Set[int],
    size: int,
    near: Mapping[int, float] | None = None,
) -> Pick:
    """Up to `size` papers, best blended score first; `topic` holds each matched paper's best topic score,
    `near` the same for papers that share a topic's words without matching it (never labelled). While
    the channel explores, the last EXPLORE_CARDS are the most novel of the rest."""
    top_trend = max(trend.values(), default=0.0) or 1.0
    blended = {}
    for pk in by_trend:
        if pk in skip or pk in view.vetoed:
            continue
        matched = pk in topic
        blended[pk] = (
            (W_MATCH + W_TOPIC * topic[pk] if matched else 0.0)
            + W_TASTE * view.scores.get(pk, 0.0)
            # Papers sharing a topic's words weigh by the same topic score, without the match bonus.
            + (W_TOPIC * near.get(pk, 0.0) if near is not None and not matched else 0.0)
            + W_TREND * trend.get(pk, 0.0) / top_trend
        )
    rank = {pk: n for n, pk in enumerate(by_trend)}
    ordered = sorted(blended, key=lambda pk: (-blended[pk], rank[pk]))
    # Each paper liked gives a fifth of the cards back to the channel's best guesses: with nothing liked yet
    # there is nothing to guess from, and every card explores.
    slots = 0
    if view.novelty and size >= EXPLORE_MIN_SIZE:
        slots = max(EXPLORE_CARDS, size - size * view.liked // EXPLORE_UNTIL_LIKED)
    if not slots:
        return Pick(ordered[:size])
    best = ordered[: size - slots]
    rest = ordered[size - slots :]
    novel = {
        pk: view.novelty.get(pk, 1.0)
        + EXPLORE_TASTE * view.scores.get(pk, 0.0)
        + EXPLORE_TREND * trend.get(pk, 0.0) / top_trend
        for pk in rest
    }
    explored = sorted(rest, key=lambda pk: (-novel[pk], rank[pk]))[:slots]
    return Pick(best + explored, frozenset(explored))


def why(
    matched_topics: Sequence[str],
    like: tuple[str, int] | None,
    explored: bool = False,
    shares: Sequence[str] = (),
    trending: Callable[[], bool] = lambda: True,
    near: Sequence[str] = (),
) -> str:
    """The few words a card says about why it is there: every part of it true of that paper. `shares`: the
    words, as the card writes them, it has in common with many of the channel's liked papers; `near`: the
    topics it partly matches; `trending`: whether it is among the day's top
    papers, as many as the digest has cards (asked only when nothing else explains the card)."""
    if explored and not matched_topics:
        return WHY_EXPLORE  # chosen to learn from: a likeness it happens to have is not why it is here
    parts = []
    if matched_topics:
        parts.append(f"{WHY_TOPIC} " + ", ".join(matched_topics))
    if like is not None:
        title, ups = like
        short = title if len(title) <= 80 else title[:79].rstrip() + "…"
        parts.append(f"like “{short}”" + (f" (👍 ×{ups})" if ups > 1 else ""))
    elif shares and not matched_topics:
        parts.append("shares " + ", ".join(f"“{word}”" for word in shares) + f" {WHY_SHARES}")
    elif near and not matched_topics:
        parts.append(f"{WHY_NEAR} " + ", ".join(near))
    return "; ".join(parts) or (WHY_TRENDING if trending() else WHY_VOTES)
