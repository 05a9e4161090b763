"""The wheel installs one top-level name, `paperbot`: the repository's bot/, adapters/ and storage/ live
under it, so installing paperbot never clashes with PyPI's `adapters` or `storage` packages."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_has_one_top_level_package(tmp_path: Path) -> None:
    source = tmp_path / "src"  # built from a copy, in it: setuptools leaves a build/ folder behind
    for name in ("bot", "adapters", "storage"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheel_cmd = ["pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)]
    subprocess.run([sys.executable, "-m", *wheel_cmd], check=True, capture_output=True, cwd=source)
    (wheel,) = tmp_path.glob("paperbot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"paperbot"}
    packages = {"/".join(n.split("/")[:2]) for n in names if n.startswith("paperbot/")}
    assert packages == {"paperbot/bot", "paperbot/adapters", "paperbot/storage"}
    assert "paperbot/bot/sample_papers.jsonl" in names  # the demo's offline sample ships too
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "paperbot = paperbot.bot.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
