"""Import speed and peak memory of one `paperbot import` of a real-text archive (1,000 papers a file),
against plain FTS5 inserts of the same text measured in the same run.

    python bench/import_speed.py [--sizes 100k,1M]

Each run is a fresh process into a fresh database; wall time includes process start and reading every
JSON file, as a user running the command sees it. Then the same files are imported again (everything
already there: only counters refresh). Peak RSS is the child's own ru_maxrss (os.wait4).

Baseline, same files, same machine, same run: a child process that reads each file with json.loads and
inserts its papers' indexed text (title, abstract, keywords, authors) into a plain table and an FTS5
table with the same tokenizer, with executemany, one transaction a file. It is the floor any importer
of this store pays: no upserts, no daily lists, no acronym mining, no second (typo) index.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

from _common import DATA, ROOT, SIZES, child_run, table, write_results
from corpus import ensure, files

from paperbot.storage.schema import FTS_TOKENIZER


def run_import(archive: Path, db: Path) -> tuple[float, int]:
    env = {**os.environ, "PAPERBOT_DB": str(db)}
    cmd = [sys.executable, "-m", "paperbot.bot", "import", *map(str, files(archive))]
    return child_run(cmd, env=env, cwd=ROOT)


def plain_fts_insert(archive: Path, db: Path) -> None:
    """The baseline itself (run in a child: `import_speed.py --baseline ARCHIVE DB`)."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE p (pk INTEGER PRIMARY KEY, id TEXT UNIQUE, title TEXT, summary TEXT,"
        " keywords TEXT, authors TEXT)"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE p_fts USING fts5(title, summary, keywords, authors,"
        f" content='p', content_rowid='pk', tokenize='{FTS_TOKENIZER}')"
    )
    pk = 0
    for path in files(archive):
        rows = []
        for item in json.loads(path.read_text(encoding="utf-8")):
            raw = item["paper"]
            pk += 1
            rows.append(
                (
                    pk,
                    raw["id"],
                    raw["title"],
                    raw["summary"],
                    "; ".join(raw.get("ai_keywords") or []),
                    ", ".join(a["name"] for a in raw["authors"]),
                )
            )
        with conn:
            conn.executemany("INSERT INTO p VALUES (?, ?, ?, ?, ?, ?)", rows)
            conn.executemany(
                "INSERT INTO p_fts (rowid, title, summary, keywords, authors) VALUES (?, ?, ?, ?, ?)",
                [(r[0], *r[2:]) for r in rows],
            )
    conn.close()


def db_mb(db: Path) -> int:
    return round(sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 2**20)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100k,1M")
    parser.add_argument("--baseline", nargs=2, type=Path, metavar=("ARCHIVE", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--no-reimport", dest="reimport", action="store_false")
    parser.add_argument("--tmp", type=Path, default=None, help="where the databases go (default: TMPDIR)")
    args = parser.parse_args()
    if args.baseline:
        plain_fts_insert(*args.baseline)
        return 0
    results = {}
    rows = []
    for label in args.sizes.split(","):
        size = SIZES[label]
        archive = ensure(size)
        n_files = len(files(archive))
        with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
            plain_db = Path(tmp) / "plain.db"
            plain, plain_rss = child_run(
                [sys.executable, __file__, "--baseline", str(archive), str(plain_db)], cwd=ROOT
            )
            plain_size = db_mb(plain_db)
            plain_db.unlink()
            db = Path(tmp) / "import.db"
            first, first_rss = run_import(archive, db)
            again, again_rss = run_import(archive, db) if args.reimport else (float("nan"), 0)
            size_mb = db_mb(db)
            keep = DATA / f"real-{size}.db"  # the search and memory benches use this database
            if not keep.exists():
                DATA.mkdir(parents=True, exist_ok=True)
                shutil.move(db, keep)
        results[label] = {
            "papers": size,
            "files": n_files,
            "import_s": round(first, 1),
            "import_per_s": round(size / first),
            "import_peak_rss_mb": first_rss,
            "reimport_s": round(again, 1) if args.reimport else 0,
            "reimport_per_s": round(size / again) if args.reimport else 0,
            "reimport_peak_rss_mb": again_rss,
            "plain_fts_s": round(plain, 1),
            "plain_fts_per_s": round(size / plain),
            "plain_fts_peak_rss_mb": plain_rss,
            "ratio_import_vs_plain": round(plain / first, 2),
            "db_mb": size_mb,
            "plain_db_mb": plain_size,
        }
        r = results[label]
        rows.append(
            [
                f"{label} ({n_files} files)",
                f"{r['import_per_s']:,}",
                f"{r['plain_fts_per_s']:,}",
                f"{r['ratio_import_vs_plain']}x",
                f"{r['import_peak_rss_mb']} / {r['plain_fts_peak_rss_mb']}",
                f"{r['reimport_per_s']:,} ({r['reimport_peak_rss_mb']} MB)",
                f"{r['db_mb']} / {r['plain_db_mb']}",
            ]
        )
        print(table(rows[-1:], HEADER), flush=True)
    print()
    print(table(rows, HEADER))
    print(f"\nwritten {write_results('import_speed', {'results': results})}")
    return 0


HEADER = [
    "archive",
    "import /s",
    "plain FTS5 /s",
    "ratio",
    "peak RSS MB (import / plain)",
    "re-import /s (RSS)",
    "db MB (import / plain)",
]

if __name__ == "__main__":
    raise SystemExit(main())
