"""Helpers shared by the benchmarks: corpus databases built through `paperbot import`, timing, results."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402

SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}


def corpus_db(size: int) -> Path:
    """A database holding the real-text archive of that size, imported once with one `paperbot import`
    of all its files."""
    path = DATA / f"real-{size}.db"
    if path.exists():
        return path
    archive = corpus.ensure(size)
    print(f"importing {size:,} papers -> {path}", file=sys.stderr)
    env = {**os.environ, "PAPERBOT_DB": str(path)}
    cmd = [sys.executable, "-m", "paperbot.bot", "import", *map(str, corpus.files(archive))]
    subprocess.run(cmd, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return path


def child_run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> tuple[float, int]:
    """Run a child to completion: (wall seconds, peak RSS in MB from os.wait4's rusage: the largest of
    the child and the processes it waited for). CPU seconds and the load average are logged to stderr:
    other work on the machine shows up in wall time, much less in CPU time."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    cpu = usage.ru_utime + usage.ru_stime
    load = os.getloadavg()[0]
    print(f"  {Path(cmd[1]).name} ...: wall {wall:.1f} s, cpu {cpu:.1f} s, load {load:.1f}", file=sys.stderr)
    return wall, usage.ru_maxrss // 1024  # Linux reports kB


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def write_results(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2))
    return path


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).rjust(w) for c, w in zip(header, widths, strict=True))]
    lines += ["  ".join(str(c).rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)
