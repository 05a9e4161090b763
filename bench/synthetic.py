"""Deterministic synthetic papers of made-up words, written as JSONL for `paperbot import`.

    python bench/synthetic.py --papers 10000 --out bench/data/papers-10k.jsonl [--seed 7]

Kept for one purpose: bench/digest_fanout.py needs 30 planted topics whose coverage it controls, so
10,000 channels can follow them. Speed and memory figures use bench/corpus.py (real text) instead:
made-up words understate what common real words cost (DESIGN.md section 8).

Titles of 5-13 words and abstracts of 100-220 words drawn from a Zipfian vocabulary, with topical
phrases ("mixture of experts", "kv cache", ...) and acronym definitions ("Mixture of Experts (MoE)")
planted at realistic rates, upvotes with a long tail (most 0-5, a few hundreds), one arXiv-like id each.
The same seed and size always give the same file.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

TOPICS = [
    ("mixture of experts", "MoE"),
    ("key value cache", "KV"),
    ("state space model", "SSM"),
    ("retrieval augmented generation", "RAG"),
    ("reinforcement learning from human feedback", "RLHF"),
    ("direct preference optimization", "DPO"),
    ("vision language model", "VLM"),
    ("large language model", "LLM"),
    ("low rank adaptation", "LoRA"),
    ("chain of thought", "CoT"),
    ("graph neural network", "GNN"),
    ("neural radiance field", "NeRF"),
    ("speculative decoding", None),
    ("diffusion transformer", "DiT"),
    ("video generation", None),
    ("text to image", None),
    ("tensor parallelism", None),
    ("flash attention", None),
    ("contrastive learning", None),
    ("knowledge distillation", "KD"),
    ("information bottleneck", "IB"),
    ("sparse autoencoder", "SAE"),
    ("reward model", "RM"),
    ("quantization aware training", "QAT"),
    ("automatic speech recognition", "ASR"),
    ("multi agent system", "MAS"),
    ("code generation", None),
    ("protein structure prediction", None),
    ("audio codec", None),
    ("uncertainty quantification", "UQ"),
]
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "to",
    "va",
    "sel",
    "dor",
    "pri",
    "na",
    "qu",
    "bel",
    "fi",
    "zen",
    "tra",
    "mon",
]
NAMES = [
    "Ada",
    "Alan",
    "Grace",
    "Tri",
    "Yann",
    "Fei",
    "Andrej",
    "Ilya",
    "Jeff",
    "Demis",
    "Noam",
    "Ashish",
    "Kaiming",
]
SURNAMES = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Dao",
    "LeCun",
    "Li",
    "Karpathy",
    "Sutskever",
    "Dean",
    "Shazeer",
    "He",
]


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))))
    # Frequent words are short, as in real text (Zipf's law of abbreviation); ties in random order.
    return sorted(sorted(words), key=lambda w: (len(w), rng.random()))


def zipf_sampler(words: list[str], rng: random.Random, s: float = 1.07) -> Iterator[str]:
    weights = [1.0 / (rank**s) for rank in range(1, len(words) + 1)]
    cumulative = list(itertools.accumulate(weights))
    while True:
        yield from rng.choices(words, cum_weights=cumulative, k=4096)


def papers(count: int, seed: int = 7) -> Iterator[dict[str, object]]:
    rng = random.Random(seed)
    words = zipf_sampler(vocabulary(30_000, rng), rng)
    for n in range(count):
        topic, acronym = (
            TOPICS[min(int(rng.paretovariate(1.2)) - 1, len(TOPICS) - 1)]
            if rng.random() < 0.6
            else rng.choice(TOPICS)
        )
        title_words = [next(words) for _ in range(rng.randint(4, 12))]
        title_words.insert(
            rng.randint(0, len(title_words)), topic.title() if rng.random() < 0.5 else (acronym or topic)
        )
        body = [next(words) for _ in range(rng.randint(100, 220))]
        definition = f"{topic} ({acronym})" if acronym else topic
        body.insert(rng.randint(0, 20), definition)
        for _ in range(rng.randint(0, 3)):
            body.insert(rng.randint(0, len(body)), acronym or topic)
        sentences, cut = [], 0
        while cut < len(body):
            step = rng.randint(12, 28)
            sentence = " ".join(body[cut : cut + step])
            sentences.append(sentence[:1].upper() + sentence[1:] + ".")
            cut += step
        upvotes = min(int(rng.paretovariate(1.1)) - 1, 500)
        title = " ".join(title_words)
        yield {
            "id": f"{2400 + n // 99_999 % 700:04d}.{n % 99_999 + 1:05d}",
            "title": title[:1].upper() + title[1:],
            "summary": " ".join(sentences),
            "authors": [f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}" for _ in range(rng.randint(1, 6))],
            "published_at": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "upvotes": upvotes,
        }


def write(count: int, out: Path, seed: int = 7) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for paper in papers(count, seed):
            handle.write(json.dumps(paper) + "\n")
    return out


def ensure(count: int, seed: int = 7) -> Path:
    """The corpus file of that size, generated once and reused (bench/data is not committed)."""
    path = Path(__file__).resolve().parent / "data" / f"papers-{count}-s{seed}.jsonl"
    if not path.exists():
        print(f"generating {count:,} papers -> {path}", file=sys.stderr)
        write(count, path, seed)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    path = write(args.papers, args.out, args.seed) if args.out else ensure(args.papers, args.seed)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
