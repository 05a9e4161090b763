"""Slash-command acknowledgement times while another process holds SQLite's write lock for 10 s and a
delivery tick fans out to 2,000 channels (`tests/load.py` drives a real `paperbot run` in Slack HTTP mode
against the local Slack). Slack's limit is 3 s; paperbot's target is 1 s.

    python bench/ack_latency.py [--channels 2000] [--hold 10] [--after 8]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

from _common import ROOT  # noqa: F401  (puts the repository on sys.path)

from tests.load import ack_times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--channels", type=int, default=2000)
    parser.add_argument("--hold", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        times, posted = asyncio.run(ack_times(Path(tmp), channels=args.channels, hold_seconds=args.hold))
    answered = sorted(t for t in times if t != float("inf"))
    p99 = answered[min(len(answered) - 1, int(len(answered) * 0.99))] if answered else float("nan")
    print(
        f"commands {len(times)}, unanswered within 3 s {len(times) - len(answered)}, digests posted {posted}"
    )
    if answered:
        print(
            f"ack p50 {statistics.median(answered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {answered[-1] * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
