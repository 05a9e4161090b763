"""Digest selection for 10,000 channels over a day of 1,000 new papers, against one search per
channel-topic (the naive way) in the same run.

    python bench/digest_fanout.py [--channels 10000] [--naive-sample 300]

Channels follow 1-5 topics each, drawn with a Zipfian skew from 300 (so many are shared). paperbot's
DigestBuilder ranks each distinct topic once per day; the naive baseline builds each channel's digest
with no sharing, i.e. one topic search per channel-topic. The baseline runs on a sample of channels and
is scaled to all of them (it is linear in channels by construction).
"""

from __future__ import annotations

import argparse
import random
import time

from _common import table, write_results
from synthetic import TOPICS, papers

from paperbot.bot.digest import DigestBuilder
from paperbot.bot.ingest import import_batch
from paperbot.bot.models import ChannelRef, ListedPaper, Paper
from paperbot.bot.sources.files import ImportBatch
from paperbot.storage.db import open_db

DAY = "2026-06-10"


def build_db(archive: int = 10_000, day_size: int = 1_000) -> tuple[object, list[str]]:
    rows = list(papers(archive + day_size, seed=11))
    batch = ImportBatch(
        papers=[
            Paper(
                str(r["id"]),
                str(r["title"]),
                str(r["summary"]),
                tuple(r["authors"]),
                upvotes=int(r["upvotes"]),
            )  # type: ignore[call-overload, arg-type]
            for r in rows
        ]
    )
    batch.listed = [ListedPaper(p, DAY, n) for n, p in enumerate(batch.papers[archive:], 1)]
    db = open_db(memory=True)
    import_batch(db, batch)
    words = sorted({w for r in rows[:2000] for w in str(r["title"]).lower().split() if len(w) > 3})
    pool = [t for t, _ in TOPICS] + [a.lower() for _, a in TOPICS if a] + words[: 300 - 2 * len(TOPICS)]
    return db, pool[:300]


def channels(count: int, pool: list[str], seed: int = 3) -> list[tuple[ChannelRef, list[str]]]:
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(len(pool))]
    return [
        (ChannelRef("slack", f"C{n:05d}"), sorted(set(rng.choices(pool, weights, k=rng.randint(1, 5)))))
        for n in range(count)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--naive-sample", type=int, default=300)
    args = parser.parse_args()
    db, pool = build_db()
    subscribed = channels(args.channels, pool)
    distinct = len({t for _, ts in subscribed for t in ts})

    start = time.perf_counter()
    builder = DigestBuilder(db)  # type: ignore[arg-type]
    digests = [builder.digest(ref, DAY, size=5, topics=topics) for ref, topics in subscribed]
    ours = time.perf_counter() - start

    sample = subscribed[: args.naive_sample]
    start = time.perf_counter()
    naive = [DigestBuilder(db).digest(ref, DAY, size=5, topics=topics) for ref, topics in sample]  # type: ignore[arg-type]
    naive_sample_s = time.perf_counter() - start
    naive_all = naive_sample_s * len(subscribed) / len(sample)

    same = all(a.cards == b.cards for a, b in zip(digests, naive, strict=False))
    matched = sum(1 for d in digests if any(c.matched_topics for c in d.cards))
    rows = [
        ["paperbot (shared topic ranking)", f"{ours:.2f}", f"{len(subscribed):,}"],
        [f"naive, {len(sample)} channels measured", f"{naive_sample_s:.2f}", f"{len(sample):,}"],
        ["naive, scaled to all channels", f"{naive_all:.1f}", f"{len(subscribed):,}"],
    ]
    print(table(rows, ["method", "seconds", "channels"]))
    print(
        f"\nspeed-up {naive_all / ours:.1f}x; {distinct} distinct topics; {matched:,} digests led by a match;"
    )
    print(f"identical digests on the sampled channels: {same}")
    path = write_results(
        "digest_fanout",
        {
            "channels": len(subscribed),
            "day_papers": 1000,
            "distinct_topics": distinct,
            "paperbot_s": round(ours, 3),
            "naive_sample_channels": len(sample),
            "naive_sample_s": round(naive_sample_s, 3),
            "naive_scaled_s": round(naive_all, 2),
            "speedup": round(naive_all / ours, 1),
            "identical_on_sample": same,
        },
    )
    print(f"written {path}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
