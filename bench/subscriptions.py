"""Subscription quality: are the cards a digest labels `matched_topics: [topic]` really about that topic,
and does a subscribed channel's digest lead with the on-topic papers of the day?

    python bench/subscriptions.py [--days 3] [--size 5] [--json]

One channel per query of ../shared/eval/public_real_qrels.json, subscribed to that query as its topic;
digests built exactly as `paperbot digest --channel C --date D --json` builds them, on the `--days` days
whose Hugging Face list (../shared/data/hf_daily_papers) holds the most papers judged on topic.

- label precision: of the cards labelled with the topic, the share judged on topic (grade 1 or 2);
- on-topic lead: of the places the day's on-topic papers could fill at the top of the digest
  (min(size, on-topic papers listed that day)), the share they do fill.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evalsets import SETS, load_corpus, load_qrels, missing

from paperbot.bot.digest import DigestBuilder
from paperbot.bot.models import ChannelRef
from paperbot.storage import papers as paper_store


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=3, help="digests per topic, on its richest days")
    parser.add_argument("--size", type=int, default=5, help="cards per digest (the default channel size)")
    parser.add_argument("--grade", type=int, default=2, help="lowest grade counted as on topic (2: squarely)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if (absent := missing("real")) is not None:
        print(f"missing {absent}: run from a checkout with ../shared beside it", file=sys.stderr)
        return 2
    qrels_path, corpus_path = SETS["real"]
    db, _ = load_corpus(corpus_path)
    qrels = load_qrels(qrels_path)
    days = paper_store.listed_days(db, limit=100)
    listed = {day: [e.paper_id for e in paper_store.daily_list(db, day)] for day in days}
    builder = DigestBuilder(db)
    per_topic: dict[str, dict[str, float]] = {}
    totals = {"labelled": 0, "labelled_on_topic": 0, "places": 0, "filled": 0}
    for n, (topic, judged) in enumerate(qrels.items()):
        on_topic = {doc for doc, grade in judged.grades.items() if grade >= args.grade}
        richest = sorted(days, key=lambda d: (-len(on_topic.intersection(listed[d])), d))[: args.days]
        ref = ChannelRef(platform="bench", channel=f"C{n}")
        counts = dict.fromkeys(totals, 0)
        for day in richest:
            digest = builder.digest(ref, day, size=args.size, topics=[topic], skip_sent=False)
            labelled = [c.arxiv_id for c in digest.cards if topic in c.matched_topics]
            counts["labelled"] += len(labelled)
            counts["labelled_on_topic"] += sum(1 for doc in labelled if doc in on_topic)
            places = min(args.size, len(on_topic.intersection(listed[day])))
            counts["places"] += places
            counts["filled"] += sum(1 for c in digest.cards[:places] if c.arxiv_id in on_topic)
        for key, value in counts.items():
            totals[key] += value
        per_topic[topic] = {
            "days": len(richest),
            "labelled": counts["labelled"],
            "label_precision": counts["labelled_on_topic"] / counts["labelled"]
            if counts["labelled"]
            else 1.0,
            "on_topic_lead": counts["filled"] / counts["places"] if counts["places"] else 1.0,
        }
    summary = {
        "label_precision": round(totals["labelled_on_topic"] / max(totals["labelled"], 1), 4),
        "on_topic_lead": round(totals["filled"] / max(totals["places"], 1), 4),
        **totals,
    }
    if args.json:
        print(json.dumps({"summary": summary, "per_topic": per_topic}, indent=2))
        return 0
    print(f"{'topic':<28} {'labelled':>8} {'precision':>9} {'lead':>6}")
    for topic, figures in per_topic.items():
        print(
            f"{topic:<28} {figures['labelled']:>8} {figures['label_precision']:>9.3f} {figures['on_topic_lead']:>6.3f}"
        )
    print(
        f"\nlabel precision {summary['label_precision']:.3f} ({totals['labelled_on_topic']} of {totals['labelled']} "
        f"labelled cards on topic); on-topic lead {summary['on_topic_lead']:.3f} "
        f"({totals['filled']} of {totals['places']} places); {len(qrels)} topics x {args.days} days, size {args.size}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
