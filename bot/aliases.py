"""Acronyms people type ("moe", "kv cache") and the long forms papers write ("mixture-of-experts").

Definitions are mined from abstracts at import time with the Schwartz & Hearst (2003) heuristic:
for "Mixture of Experts (MoE)" the short form's letters are matched right to left inside the words
before the parenthesis, the first letter at a word start. The reverse layout "MoE (mixture of experts)"
is recognised too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import sqlite_utils

from paperbot.bot.models import Paper
from paperbot.storage import aliases as alias_store

# Widely used ML acronyms, so a fresh database already understands them before it has mined any.
SEED_ALIASES: dict[str, tuple[str, ...]] = {
    "llm": ("large language model",),
    "vlm": ("vision language model",),
    "mllm": ("multimodal large language model",),
    "moe": ("mixture of experts",),
    "ssm": ("state space model",),
    "kv": ("key value",),
    "rl": ("reinforcement learning",),
    "rlhf": ("reinforcement learning from human feedback",),
    "rlvr": ("reinforcement learning with verifiable rewards",),
    "dpo": ("direct preference optimization",),
    "ppo": ("proximal policy optimization",),
    "grpo": ("group relative policy optimization",),
    "sft": ("supervised fine tuning",),
    "lora": ("low rank adaptation",),
    "peft": ("parameter efficient fine tuning",),
    "rag": ("retrieval augmented generation",),
    "cot": ("chain of thought",),
    "gnn": ("graph neural network",),
    "vae": ("variational autoencoder",),
    "gan": ("generative adversarial network",),
    "vit": ("vision transformer",),
    "nlp": ("natural language processing",),
    "asr": ("automatic speech recognition",),
    "tts": ("text to speech",),
    "ocr": ("optical character recognition",),
    "vla": ("vision language action",),
    "nerf": ("neural radiance field",),
    "3dgs": ("3d gaussian splatting",),
    "t2i": ("text to image",),
    "t2v": ("text to video",),
}

_FIRST_IN_PARENS = re.compile(r"\s*([A-Za-z][A-Za-z0-9\-]{1,11})\s*(?:[;,]|$)")
_WORD = re.compile(r"[^\W_]+")
_SENTENCE_BREAK = re.compile(r"[.;:!?]\s")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z0-9\-]{1,11})\s*$")


def normalize_long(text: str) -> str:
    """Lower-case words separated by single spaces: "Key-Value" and "key value" are one long form.

    A plural last word is made singular so "state space models" and "state space model" are one entry
    (search stems both anyway).
    """
    words = _WORD.findall(text.lower())
    if (
        words
        and len(words[-1]) > 3
        and words[-1].endswith("s")
        and not words[-1].endswith(("ss", "us", "is"))
    ):
        words[-1] = words[-1][:-1]
    return " ".join(words)


def normalize_short(text: str) -> str:
    short = text.replace("-", "")
    # "SSMs", "LLMs": the plural of an acronym names the same thing.
    if len(short) > 2 and short.endswith("s") and any(c.isupper() for c in short[:-1]):
        short = short[:-1]
    return short.lower()


def _looks_like_acronym(text: str) -> bool:
    letters = text.replace("-", "")
    uppers = sum(c.isupper() for c in letters)
    return 2 <= len(letters) <= 10 and letters[0].isalpha() and uppers >= 1 and uppers + 1 >= len(letters) / 2


def _match_long_form(short: str, words: list[str]) -> str | None:
    """Schwartz & Hearst: the shortest tail of `words` whose letters spell `short` right to left."""
    text = " ".join(words)
    s, i = len(short) - 1, len(text) - 1
    while s >= 0:
        ch = short[s].lower()
        if not ch.isalnum():
            s -= 1
            continue
        # The short form's first letter must start a word of the long form.
        while i >= 0 and (text[i].lower() != ch or (s == 0 and i > 0 and text[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    start = text.rfind(" ", 0, i + 1) + 1
    long = text[start:]
    tokens = _WORD.findall(long)
    n_words = len(tokens)
    if any(t.isdigit() for t in tokens):  # "(MoE, e.g. 83.3%)" is a sentence, not a definition
        return None
    if (n_words < 2 and "-" not in long) or n_words > min(len(short) + 5, 2 * len(short)):
        return None
    return long


def _long_before(text: str, paren: int, short: str) -> str | None:
    """Layout "Mixture of Experts (MoE)": the long form ends the sentence part before the parenthesis."""
    before = text[max(0, paren - 160) : paren]  # only the end of that sentence can hold it
    words = _SENTENCE_BREAK.split(before)[-1].split()[-min(len(short) + 5, 2 * len(short)) :]
    return _match_long_form(short, words) if words else None


def _long_inside(text: str, paren: int, inside: str) -> tuple[str, str] | None:
    """Layout "MoE (mixture of experts)": an acronym, then its long form in parentheses."""
    word = _WORD_BEFORE.search(text, max(0, paren - 14), paren)
    if not word or not _looks_like_acronym(word.group(1)) or _looks_like_acronym(inside.strip()):
        return None
    core = normalize_short(word.group(1))
    long = _match_long_form(core, inside.split())
    if long and normalize_long(long) == normalize_long(inside):
        return core, normalize_long(long)
    return None


def mine_text(text: str) -> Iterator[tuple[str, str]]:
    """Yield (short, long) pairs defined in `text`, both normalised."""
    paren = text.find("(")
    while paren != -1:
        close = text.find(")", paren + 1, paren + 84)
        inside = text[paren + 1 : close] if close != -1 else ""
        first = _FIRST_IN_PARENS.match(inside)
        if first and _looks_like_acronym(first.group(1)):
            core = normalize_short(first.group(1))
            long = _long_before(text, paren, core)
            norm = normalize_long(long) if long else ""
            if norm and norm != core:
                yield core, norm
        elif len(inside) >= 3 and (pair := _long_inside(text, paren, inside)):
            yield pair
        paren = text.find("(", paren + 1)


def mine_papers(papers: Iterable[Paper]) -> list[tuple[str, str]]:
    """(short, long) for every definition in the papers' titles and abstracts, once per paper."""
    return [pair for paper in papers for pair in set(mine_text(f"{paper.title}. {paper.summary}"))]


def mine_by_paper(papers: Iterable[Paper]) -> dict[str, list[tuple[str, str]]]:
    """paper id -> its definitions (papers defining nothing are left out)."""
    found = {}
    for paper in papers:
        if pairs := sorted(set(mine_text(f"{paper.title}. {paper.summary}"))):
            found[paper.id] = pairs
    return found


def learn(
    db: sqlite_utils.Database,
    papers: Iterable[Paper],
    mined: dict[str, list[tuple[str, str]]] | None = None,
) -> None:
    """Store what the papers define, from `mined` when they were mined already (mine_by_paper), else
    mining them now. Call it for papers new to the archive only."""
    if mined is None:
        alias_store.save_aliases(db, mine_papers(papers))
    else:
        alias_store.save_aliases(db, [pair for p in papers for pair in mined.get(p.id, ())])


def ensure_seeds(db: sqlite_utils.Database) -> None:
    alias_store.seed_once(
        db, [(short, normalize_long(long)) for short, longs in SEED_ALIASES.items() for long in longs]
    )
