"""A stand-in sentence model for semantic search (bot.semantic): a small thesaurus, where the words of one
sense share a dimension, so tests of blending, related papers and embedding run without the 1.5 GB extra."""

from __future__ import annotations

import re
from collections.abc import Sequence

from paperbot.bot.models import Paper
from paperbot.bot.semantic import Semantic

SENSES = {
    **dict.fromkeys(("uncertainty", "bayesian", "calibration", "calibrated", "posterior"), 0),
    **dict.fromkeys(("driving", "vehicle", "vehicles", "autonomous", "traffic"), 1),
    **dict.fromkeys(("animation", "character", "videos", "pose", "animate"), 2),
    **dict.fromkeys(("robot", "grasping"), 3),
}


class Thesaurus:
    """A stand-in Embedder: a text's vector counts its words per sense; other words count for nothing."""

    model = "thesaurus"

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts.extend(texts)
        vectors = []
        for text in texts:
            vec = [0.0] * 4
            for word in re.findall(r"[a-z]+", text.lower()):
                if word in SENSES:
                    vec[SENSES[word]] += 1.0
            vectors.append(vec)
        return vectors


def thesaurus() -> Semantic:
    return Semantic(Thesaurus, Thesaurus.model)


PAPERS = [
    Paper(
        "2606.00001", "Uncertainty estimates for language models", "We measure the uncertainty of answers."
    ),
    Paper(
        "2606.00002", "Bayesian calibration of classifiers", "A calibrated Bayesian posterior for networks."
    ),
    Paper("2606.00003", "Robot grasping in clutter", "A robot learns grasping from few trials."),
    Paper("2606.00004", "Posterior sampling of calibration sets", "Bayesian calibration, fast."),
]
