"""Benchmark archives of real text, in Hugging Face daily-file shape: one JSON array of 1,000 papers a day.

    python bench/corpus.py --papers 1000000 --out /tmp/real1m [--seed 7] [--per-file 1000] [--workers 2]

Every piece of text is real, taken from the recorded June 2026 days in ../shared/data/hf_daily_papers
(619 papers): each abstract is 4-12 real sentences, about half from one "base" paper in their original
order and the rest drawn from all ~5,000 recorded sentences, so common words ("model", "language",
"learning", "data") and acronym definitions ("Mixture-of-Experts (MoE)") occur as often as in real
abstracts. Titles join a real title's head to another's tail (at a colon or mid-title); ai_keywords are
mostly the base paper's, authors, organizations and GitHub URLs are drawn from the recorded ones.
Counters have a long tail (most papers 0-5 upvotes).

File k is day START + k days (`YYYY-MM-DD.json`, `paper.submittedOnDailyAt` that day), its ids are
unique arXiv-shaped `YYMM.NNNNN` of that month, items sorted by upvotes as Hugging Face lists them.
Each file has its own random stream (seed, file number), so files are generated in parallel and the
same seed always gives the same bytes; only one file is in memory per worker.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from multiprocessing import Pool
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PAPERBOT_SHARED_DATA", ROOT.parent / "shared" / "data"))
START = date(2024, 1, 1)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


@dataclass
class Source:
    """What the recorded days offer to recombine."""

    papers: list[dict[str, Any]]  # per recorded paper: sentences, keywords, ai_summary
    sentences: list[str]
    heads: list[str]  # title parts before a colon
    tails: list[str]  # title parts after a colon
    plain_titles: list[list[str]]  # titles without a colon, as words
    keywords: list[str]
    authors: list[str]
    organizations: list[dict[str, str]]
    repos: list[str]


def load_source(data: Path = SHARED / "hf_daily_papers") -> Source:
    files = sorted(data.glob("2026-06-*.json"))
    if not files:
        raise SystemExit(f"no recorded days in {data}: the real-text corpus is built from them")
    src = Source([], [], [], [], [], [], [], [], [])
    orgs: dict[str, dict[str, str]] = {}
    authors: set[str] = set()
    for path in files:
        for item in json.loads(path.read_text(encoding="utf-8")):
            raw = item["paper"]
            sentences = [s for s in _SENTENCE.split(" ".join(raw["summary"].split())) if len(s) > 20]
            src.papers.append(
                {
                    "sentences": sentences,
                    "keywords": raw.get("ai_keywords") or [],
                    "ai_summary": raw.get("ai_summary"),
                }
            )
            src.sentences.extend(sentences)
            title = " ".join(raw["title"].split())
            if ": " in title:
                head, tail = title.split(": ", 1)
                src.heads.append(head)
                src.tails.append(tail)
            else:
                src.plain_titles.append(title.split())
            src.keywords.extend(raw.get("ai_keywords") or [])
            authors.update(a["name"] for a in raw["authors"] if a.get("name"))
            if isinstance(org := raw.get("organization"), dict):
                orgs[org["name"]] = {k: org[k] for k in ("_id", "name", "fullname") if k in org}
            if raw.get("githubRepo"):
                src.repos.append(raw["githubRepo"])
    src.authors = sorted(authors)
    src.organizations = [orgs[k] for k in sorted(orgs)]
    return src


def _title(rng: random.Random, src: Source) -> str:
    if rng.random() < 0.6:
        return f"{rng.choice(src.heads)}: {rng.choice(src.tails)}"
    a, b = rng.choice(src.plain_titles), rng.choice(src.plain_titles)
    return " ".join(a[: max(1, len(a) // 2)] + b[len(b) // 2 :])


def _abstract(rng: random.Random, src: Source, base: dict[str, Any]) -> str:
    own = base["sentences"]
    count = rng.randint(4, 12)
    picked = [s for s in own if rng.random() < 0.5][:count]
    while len(picked) < count:
        picked.insert(rng.randint(1, len(picked)) if picked else 0, rng.choice(src.sentences))
    return " ".join(picked)


def _item(rng: random.Random, src: Source, paper_id: str, day: date) -> dict[str, Any]:
    base = rng.choice(src.papers)
    title, summary = _title(rng, src), _abstract(rng, src, base)
    keywords = [k for k in base["keywords"] if rng.random() < 0.7]
    keywords += rng.sample(src.keywords, rng.randint(0, 3))
    names = rng.sample(src.authors, min(len(src.authors), max(1, int(rng.lognormvariate(1.6, 0.7)))))
    upvotes = min(int(rng.paretovariate(1.1)) - 1, 500)
    listed, published = f"{day.isoformat()}T00:00:00.000Z", (day - timedelta(days=1)).isoformat()
    paper: dict[str, Any] = {
        "id": paper_id,
        "authors": [{"_id": f"{rng.getrandbits(96):024x}", "name": n, "hidden": False} for n in names],
        "publishedAt": f"{published}T00:00:00.000Z",
        "submittedOnDailyAt": listed,
        "title": title,
        "summary": summary,
        "upvotes": upvotes,
        "discussionId": f"{rng.getrandbits(96):024x}",
    }
    if base["ai_summary"]:
        paper["ai_summary"] = base["ai_summary"]
    if keywords:
        paper["ai_keywords"] = keywords
    if rng.random() < 0.6:
        paper["githubRepo"] = rng.choice(src.repos)
        if rng.random() < 0.9:
            paper["githubStars"] = min(int(rng.paretovariate(0.8)) - 1, 50_000)
    item: dict[str, Any] = {
        "paper": paper,
        "publishedAt": f"{published}T20:00:00.000Z",
        "title": title,
        "summary": summary,
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{paper_id}.png",
        "numComments": min(int(rng.paretovariate(2.0)) - 1, 50),
        "isAuthorParticipating": False,
    }
    if rng.random() < 0.6:
        paper["organization"] = item["organization"] = rng.choice(src.organizations)
    return item


def day_items(
    src: Source, seed: int, index: int, count: int, per_file: int
) -> tuple[date, list[dict[str, Any]]]:
    """File `index` of the archive: its day and its items (the same for the same arguments)."""
    rng = random.Random(f"{seed}:{index}")
    day = START + timedelta(days=index)
    first = (day.day - 1) * per_file  # ids of a month never repeat: a day owns its own block
    items = [_item(rng, src, f"{day:%y%m}.{first + n + 1:05d}", day) for n in range(count)]
    items.sort(key=lambda it: -it["paper"]["upvotes"])
    return day, items


_SRC: Source | None = None


def _init(data: Path) -> None:
    global _SRC  # one copy of the recorded text per worker process
    _SRC = load_source(data)


def _write_one(args: tuple[Path, int, int, int, int]) -> int:
    out, seed, index, count, per_file = args
    assert _SRC is not None
    day, items = day_items(_SRC, seed, index, count, per_file)
    path = out / f"{day.isoformat()}.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    return count


def write(papers: int, out: Path, seed: int = 7, per_file: int = 1000, workers: int | None = None) -> Path:
    if per_file * 31 > 99_999:
        raise SystemExit("--per-file at most 3225: a month's ids must fit in five digits")
    out.mkdir(parents=True, exist_ok=True)
    jobs = [
        (out, seed, k, min(per_file, papers - k * per_file), per_file) for k in range(-(-papers // per_file))
    ]
    data = SHARED / "hf_daily_papers"
    with Pool(workers or os.cpu_count() or 1, initializer=_init, initargs=(data,)) as pool:
        done = sum(pool.imap_unordered(_write_one, jobs, chunksize=4))
    (out / "DONE").write_text(f"{done} papers, seed {seed}, {per_file} a file\n")
    return out


def ensure(papers: int, seed: int = 7) -> Path:
    """The archive of that size, generated once into bench/data (not committed) and reused."""
    path = ROOT / "bench" / "data" / f"real-{papers}-s{seed}"
    if not (path / "DONE").exists():
        print(f"generating {papers:,} real-text papers -> {path}", file=sys.stderr)
        write(papers, path, seed)
    return path


def files(archive: Path) -> list[Path]:
    return sorted(archive.glob("*.json"))


def iter_papers(archive: Path) -> Iterator[dict[str, Any]]:
    """The `paper` objects of an archive, one file in memory at a time."""
    for path in files(archive):
        for item in json.loads(path.read_text(encoding="utf-8")):
            yield item["paper"]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-file", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.out:
        path = write(args.papers, args.out, args.seed, args.per_file, args.workers)
    else:
        path = ensure(args.papers, args.seed)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
