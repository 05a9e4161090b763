"""Import speed through `paperbot import` (a fresh process, a fresh database) at 100k and 1M papers,
and re-importing the same file (everything already there: only counters refresh).

    python bench/import_speed.py [--sizes 100k,1M]

Wall time includes the process start and reading the JSONL file, as a user running the command sees it.
The baseline in the same run is a plain SQLite insert of the same rows with no full-text index, which
is the floor any importer of this store pays.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, SIZES, table, write_results
from corpus import ensure


def run_import(source: Path, db: Path) -> float:
    env = {**os.environ, "PAPERBOT_DB": str(db)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "paperbot.bot", "import", str(source)], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - start


def plain_insert(source: Path, db: Path) -> float:
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE p (id TEXT PRIMARY KEY, title TEXT, summary TEXT, authors TEXT, upvotes INT)")
    with source.open() as handle, conn:
        rows = (json.loads(line) for line in handle)
        conn.executemany(
            "INSERT INTO p VALUES (?, ?, ?, ?, ?)",
            ((r["id"], r["title"], r["summary"], json.dumps(r["authors"]), r["upvotes"]) for r in rows),
        )
    conn.close()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100k,1M")
    args = parser.parse_args()
    results = {}
    rows = []
    for label in args.sizes.split(","):
        size = SIZES[label]
        source = ensure(size)
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "import.db"
            first = run_import(source, db)
            again = run_import(source, db)
            db_bytes = db.stat().st_size
            plain = plain_insert(source, Path(tmp) / "plain.db")
        results[label] = {
            "papers": size,
            "import_s": round(first, 2),
            "import_per_s": round(size / first),
            "reimport_s": round(again, 2),
            "reimport_per_s": round(size / again),
            "plain_insert_per_s": round(size / plain),
            "db_mb": round(db_bytes / 2**20),
        }
        r = results[label]
        rows.append(
            [
                label,
                f"{r['import_per_s']:,}",
                f"{r['reimport_per_s']:,}",
                f"{r['plain_insert_per_s']:,}",
                str(r["db_mb"]),
            ]
        )
    print(table(rows, ["papers", "import /s", "re-import /s", "plain insert /s (baseline)", "db MB"]))
    print(f"\nwritten {write_results('import_speed', {'results': results})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
