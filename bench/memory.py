"""Peak memory of `paperbot import` as the number of files grows, and of `paperbot run` with the
1M-paper database, idle and under a search load, and the database's size on disk.

    python bench/memory.py [--size 1M] [--import-files 1,10,100,1000] [--searches 300]

Import: one `paperbot import` of the first N files (1,000 papers each) of the real-text archive, each
into a fresh database; peak RSS is the child's ru_maxrss from os.wait4 (the largest of the command and
its file-reading helper process). Memory that grows with N would show here; the ratio column is each
peak over the one-file import's.

The bot runs as a real process with the Slack adapter in HTTP mode against the local Slack stand-in;
the load is signed `/papers <topic>` requests to /slack/events, one after another. Peak RSS is the
kernel's VmHWM for the process. The baseline in the same run is the peak RSS of a bare Python process
that only imports paperbot's dependencies: what the interpreter and libraries cost before any data.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

import aiohttp
from _common import ROOT, SIZES, child_run, corpus_db, table, write_results
from corpus import ensure, files
from search_speed import queries

from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack


def status(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            fields[key] = int(value.split()[0]) // 1024  # MB
    return fields


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bare_python_peak() -> int:
    code = (
        "import slack_bolt, discord, apscheduler, sqlite_utils, httpx, aiohttp, rich, typer, pydantic_settings\n"
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return int(out.strip()) // 1024


async def measure(db: Path, searches: int) -> dict[str, int]:
    slack = FakeSlack()
    await slack.start()
    slack.add_channel("C1")
    port = free_port()
    env = {
        **os.environ,
        "PAPERBOT_DB": str(db),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PAPERBOT_HTTP_PORT": str(port),
        "HF_API_URL": "http://127.0.0.1:9",
        "PAPERBOT_LOG_LEVEL": "WARNING",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "paperbot.bot", "run", env=env, cwd=ROOT
    )
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            try:
                async with session.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        await asyncio.sleep(3)
        idle = status(proc.pid)
        qs = queries()
        answered = 0
        for n in range(searches):
            _, form = slack.command_payload(qs[n % len(qs)])
            body = urllib.parse.urlencode(form)
            headers = {**FakeSlack.sign(body), "Content-Type": "application/x-www-form-urlencoded"}
            async with session.post(f"{url}/slack/events", data=body, headers=headers) as response:
                answered += response.status == 200
        loaded = status(proc.pid)
    proc.terminate()
    await proc.wait()
    await slack.stop()
    return {
        "idle_rss_mb": idle["VmRSS"],
        "idle_peak_mb": idle["VmHWM"],
        "load_peak_mb": loaded["VmHWM"],
        "answered": answered,
    }


def import_peaks(size: int, counts: list[int]) -> list[dict[str, float]]:
    archive = files(ensure(size))
    found = []
    for n in counts:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "PAPERBOT_DB": str(Path(tmp) / "import.db")}
            cmd = [sys.executable, "-m", "paperbot.bot", "import", *map(str, archive[:n])]
            wall, peak = child_run(cmd, env=env)
        found.append({"files": n, "papers": n * 1000, "peak_rss_mb": peak, "seconds": round(wall, 1)})
        print(f"import of {n} files: peak {peak} MB, {wall:.1f} s", flush=True)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="1M")
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--import-files", default="1,10,100,1000", help="'' to skip the import part")
    args = parser.parse_args()
    bare = bare_python_peak()
    imports = import_peaks(SIZES[args.size], [int(n) for n in args.import_files.split(",") if n])
    if imports:
        one = imports[0]["peak_rss_mb"]
        rows = [[str(r["files"]), f"{r['papers']:,}", str(r["peak_rss_mb"]), f"{r['peak_rss_mb'] / one:.2f}x",
                 f"{r['peak_rss_mb'] / bare:.2f}x", str(r["seconds"])] for r in imports]  # fmt: skip
        print(table(rows, ["files", "papers", "peak RSS MB", "vs first", "vs bare Python", "s"]))
    db = corpus_db(SIZES[args.size])
    result = asyncio.run(measure(db, args.searches))
    result["bare_python_peak_mb"] = bare
    result["db_mb"] = round(sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 2**20)
    print(table([[args.size, *map(str, result.values())]], ["papers", *result.keys()]))
    data = {"papers": SIZES[args.size], "imports": imports, **result}
    print(f"\nwritten {write_results('memory', data)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
