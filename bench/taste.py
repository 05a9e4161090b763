"""Channel taste on the 21 recorded June 2026 Hugging Face days: simulated channels vote on their digests.

    python bench/taste.py [--channels 120] [--seed 7] [--speed-channels 10000]

Each simulated channel has 1-3 hidden interests, taken from the graded judgments in
../shared/eval/public_real_qrels.json (on-topic = judged 1 or 2 for one of its interests). Every day it sees
its 5-paper digest and votes: 👍 on each on-topic paper, 👎 on half of the rest, then a fifth of those votes
go missing and one in twenty is flipped; three members share the voting. Reported: the share of the best
possible on-topic papers each digest delivered (on-topic in the digest / min(5, on-topic that day)), over
days 8-21 and days 2-7, for trending only, topics only (subscribed to its interests' words), taste only,
topics + taste, and two plain baselines in the same run: a Rocchio centroid over tf-idf and a per-channel
linear SVM (arxiv-sanity-lite's recipe: 👍 positive, every other paper listed so far negative, C=0.1,
balanced). Then the same with one extra member voting 👎 on every card, and the time to select 10,000
channels' digests with taste against topic-only selection.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence

from _common import ROOT, table, write_results

from paperbot.bot import taste
from paperbot.bot.digest import DigestBuilder
from paperbot.bot.ingest import import_batch
from paperbot.bot.models import ChannelRef
from paperbot.bot.sources.files import load_file
from paperbot.bot.taste_scorer import TasteScorer
from paperbot.storage import papers as paper_store
from paperbot.storage.db import open_db

SHARED = ROOT.parent / "shared"
DAYS_DIR = SHARED / "data" / "hf_daily_papers"
QRELS = SHARED / "eval" / "public_real_qrels.json"
SIZE = 5
MEMBERS = ("ana", "bo", "chen")


def load() -> tuple[object, list[str], dict[str, set[str]]]:
    db = open_db(memory=True)
    days = []
    for path in sorted(DAYS_DIR.glob("2026-06-*.json")):
        batch = load_file(path)
        import_batch(db, batch)
        days.append(path.stem)
    queries = json.loads(QRELS.read_text())["queries"]
    relevant = {q: set(g.get("2", [])) | set(g.get("1", [])) for q, g in queries.items()}
    return db, days, relevant


def make_channels(count: int, queries: Sequence[str], seed: int) -> list[tuple[ChannelRef, list[str]]]:
    rng = random.Random(seed)
    return [
        (ChannelRef("sim", f"C{n:04d}"), sorted(rng.sample(list(queries), rng.randint(1, 3))))
        for n in range(count)
    ]


def simulate_votes(
    rng: random.Random, shown: Sequence[str], on_topic: set[str], adversary: bool
) -> list[taste.Vote]:
    votes = []
    for paper in shown:
        if paper in on_topic:
            value = 1
        elif rng.random() < 0.5:
            value = -1
        else:
            continue
        if rng.random() < 0.2:  # a fifth of votes never cast
            continue
        if rng.random() < 0.05:  # one in twenty pressed the wrong way
            value = -value
        votes.append(taste.Vote(paper, rng.choice(MEMBERS), value))
    if adversary:
        votes += [taste.Vote(paper, "troll", -1) for paper in shown]
    return votes


Picker = Callable[[ChannelRef, list[str], str, list[taste.Vote]], list[str]]


def run(
    days: list[str],
    channels: list[tuple[ChannelRef, list[str]]],
    relevant: dict[str, set[str]],
    listed: dict[str, list[str]],
    pick: Picker,
    seed: int,
    adversary: bool = False,
) -> dict[str, float]:
    shares: dict[str, list[float]] = {"2-7": [], "8-21": []}
    for ref, interests in channels:
        rng = random.Random(f"{seed}:{ref.channel}")
        on_topic = set().union(*(relevant[q] for q in interests))
        votes: list[taste.Vote] = []
        for number, day in enumerate(days, 1):
            shown = pick(ref, interests, day, votes)
            best = min(SIZE, sum(1 for p in listed[day] if p in on_topic))
            if best and number >= 2:
                share = sum(1 for p in shown if p in on_topic) / best
                shares["2-7" if number <= 7 else "8-21"].append(share)
            votes = votes + simulate_votes(rng, shown, on_topic, adversary)
    return {span: sum(v) / len(v) for span, v in shares.items()}


def builder_picker(db: object, *, topics: bool, with_taste: bool) -> Picker:
    current: dict[str, list[taste.Vote]] = {}
    seen: dict[str, list[str]] = {}
    scorer = (
        TasteScorer(db, votes_of=lambda ref: current[ref.key], seen_of=lambda ref: seen[ref.key][-100:])  # type: ignore[arg-type]
        if with_taste
        else None
    )
    builder = DigestBuilder(db, taste=scorer)  # type: ignore[arg-type]

    def pick(ref: ChannelRef, interests: list[str], day: str, votes: list[taste.Vote]) -> list[str]:
        current[ref.key] = votes
        seen.setdefault(ref.key, [])
        digest = builder.digest(ref, day, size=SIZE, topics=interests if topics else (), skip_sent=False)
        shown = [c.arxiv_id for c in digest.cards]
        seen[ref.key] = seen[ref.key] + shown
        return shown

    return pick


# ---- plain baselines: unigram tf-idf of title + abstract -------------------------------------------------


def plain_words(text: str) -> list[str]:
    """Words as they are (no folding of plurals), minus the same stop words."""
    return [
        w
        for w in re.findall(r"[a-z][a-z0-9]+|[0-9]+[a-z][a-z0-9]*", text.lower())
        if w not in taste.STOPWORDS
    ]


def plain_vectors(db: object, ids: list[str]) -> dict[str, taste.Vector]:
    from paperbot.storage.votes import texts_by_id

    texts = texts_by_id(db, ids)  # type: ignore[arg-type]
    counts = {p: Counter(plain_words(t.title + " " + t.summary)) for p, t in texts.items()}
    table_, unseen = taste.idf(counts.values())
    return {p: taste.vectorize(c, table_, unseen) for p, c in counts.items()}


def trend_order(db: object, day: str) -> list[str]:
    return [e.paper_id for e in paper_store.daily_list(db, day)]  # type: ignore[arg-type]


def rocchio_picker(vectors: dict[str, taste.Vector], listed: dict[str, list[str]]) -> Picker:
    def pick(ref: ChannelRef, interests: list[str], day: str, votes: list[taste.Vote]) -> list[str]:
        pos = [vectors[v.paper_id] for v in votes if v.value > 0]
        neg = [vectors[v.paper_id] for v in votes if v.value < 0]
        centroid: Counter[str] = Counter()
        for group, weight in ((pos, 0.75), (neg, -0.15)):
            for vector in group:
                for term, value in vector.items():
                    centroid[term] += weight * value / len(group)
        order = listed[day]
        if not pos and not neg:
            return order[:SIZE]
        rank = {p: n for n, p in enumerate(order)}
        return sorted(order, key=lambda p: (-taste.dot(centroid, vectors[p]), rank[p]))[:SIZE]

    return pick


def svm_picker(vectors: dict[str, taste.Vector], listed: dict[str, list[str]], days: list[str]) -> Picker:
    import numpy as np

    ids = sorted(vectors)
    row = {p: n for n, p in enumerate(ids)}
    vocab = {t: n for n, t in enumerate(sorted({t for v in vectors.values() for t in v}))}
    x = np.zeros((len(ids), len(vocab)), dtype=np.float64)
    for p, vector in vectors.items():
        for term, value in vector.items():
            x[row[p], vocab[term]] = value
    gram = x @ x.T + 1.0  # the constant adds the bias term

    def pick(ref: ChannelRef, interests: list[str], day: str, votes: list[taste.Vote]) -> list[str]:
        order = listed[day]
        net: Counter[str] = Counter()
        for v in votes:
            net[v.paper_id] += v.value
        positives = {p for p, n in net.items() if n > 0}
        if not positives:
            return order[:SIZE]
        earlier = {p for d in days[: days.index(day)] for p in listed[d]}
        train = sorted(earlier | positives)
        y = np.array([1.0 if p in positives else -1.0 for p in train])
        idx = np.array([row[p] for p in train])
        n_pos = float((y > 0).sum())
        n_neg = float(len(y) - n_pos) or 1.0
        bound = np.where(y > 0, 0.1 * len(y) / (2 * n_pos), 0.1 * len(y) / (2 * n_neg))
        q = gram[np.ix_(idx, idx)] * np.outer(y, y)
        alpha = np.zeros(len(y))
        grad = -np.ones(len(y))
        for _ in range(15):  # dual coordinate descent (LIBLINEAR's solver for the hinge loss)
            for i in range(len(y)):
                new = min(max(alpha[i] - grad[i] / q[i, i], 0.0), bound[i])
                if new != alpha[i]:
                    grad += (new - alpha[i]) * q[:, i]
                    alpha[i] = new
        cand = np.array([row[p] for p in order])
        scores = (alpha * y) @ gram[np.ix_(idx, cand)]
        rank = {p: n for n, p in enumerate(order)}
        return sorted(order, key=lambda p: (-scores[order.index(p)], rank[p]))[:SIZE]

    return pick


def speed(
    db: object, days: list[str], relevant: dict[str, set[str]], count: int, seed: int
) -> dict[str, float]:
    """10,000 channels' digests for the last day, each channel with 30 votes from 3 people, against
    topic-only selection of the same channels in the same run."""
    rng = random.Random(seed)
    day = days[-1]
    earlier = [p for d in days[:-1] for p in trend_order(db, d)]
    queries = sorted(relevant)
    channels = [
        (ChannelRef("sim", f"S{n:05d}"), rng.sample(queries, rng.randint(1, 3))) for n in range(count)
    ]
    votes = {
        ref.key: [taste.Vote(p, rng.choice(MEMBERS), rng.choice((1, 1, -1))) for p in rng.sample(earlier, 30)]
        for ref, _ in channels
    }
    start = time.perf_counter()
    plain = DigestBuilder(db)  # type: ignore[arg-type]
    for ref, topics in channels:
        plain.digest(ref, day, size=SIZE, topics=topics, skip_sent=False)
    topic_only = time.perf_counter() - start
    start = time.perf_counter()
    scorer = TasteScorer(db, votes_of=lambda ref: votes[ref.key])  # type: ignore[arg-type]
    tasted = DigestBuilder(db, taste=scorer)  # type: ignore[arg-type]
    for ref, topics in channels:
        tasted.digest(ref, day, size=SIZE, topics=topics, skip_sent=False)
    with_taste = time.perf_counter() - start
    return {"channels": count, "topic_only_s": round(topic_only, 3), "with_taste_s": round(with_taste, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--channels", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--speed-channels", type=int, default=10_000)
    parser.add_argument("--skip-svm", action="store_true")
    args = parser.parse_args()
    if not DAYS_DIR.is_dir() or not QRELS.is_file():
        print(f"needs {DAYS_DIR} and {QRELS}", file=sys.stderr)
        return 2
    db, days, relevant = load()
    listed = {d: trend_order(db, d) for d in days}
    channels = make_channels(args.channels, sorted(relevant), args.seed)
    all_ids = sorted({p for d in days for p in listed[d]})
    plain = plain_vectors(db, all_ids)
    pickers: dict[str, Picker] = {
        "trending only": builder_picker(db, topics=False, with_taste=False),
        "topics only": builder_picker(db, topics=True, with_taste=False),
        "taste only": builder_picker(db, topics=False, with_taste=True),
        "topics + taste": builder_picker(db, topics=True, with_taste=True),
        "baseline: Rocchio, tf-idf": rocchio_picker(plain, listed),
    }
    if not args.skip_svm:
        pickers["baseline: linear SVM, tf-idf"] = svm_picker(plain, listed, days)
    results: dict[str, dict[str, float]] = {}
    rows = []
    for name, pick in pickers.items():
        start = time.perf_counter()
        results[name] = run(days, channels, relevant, listed, pick, args.seed)
        rows.append(
            [
                name,
                f"{results[name]['8-21']:.3f}",
                f"{results[name]['2-7']:.3f}",
                f"{time.perf_counter() - start:.1f}",
            ]
        )
    for name in ("taste only", "topics + taste", "baseline: Rocchio, tf-idf"):
        fresh = {
            "taste only": builder_picker(db, topics=False, with_taste=True),
            "topics + taste": builder_picker(db, topics=True, with_taste=True),
            "baseline: Rocchio, tf-idf": rocchio_picker(plain, listed),
        }[name]
        label = f"{name}, + one member 👎 on everything"
        results[label] = run(days, channels, relevant, listed, fresh, args.seed, adversary=True)
        rows.append([label, f"{results[label]['8-21']:.3f}", f"{results[label]['2-7']:.3f}", ""])
    print(f"{len(channels)} channels, interests {Counter(len(i) for _, i in channels)}, {len(days)} days")
    print(table(rows, ["digest", "days 8-21", "days 2-7", "s"]))
    timing = speed(db, days, relevant, args.speed_channels, args.seed) if args.speed_channels else {}
    if timing:
        print(
            f"\n{timing['channels']:,} channels' digests for {days[-1]}: topic-only {timing['topic_only_s']:.2f} s, "
            f"with taste (30 votes each) {timing['with_taste_s']:.2f} s"
        )
    path = write_results(
        "taste", {"channels": len(channels), "seed": args.seed, "share": results, "speed": timing}
    )
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
