"""The shape a newcomer relies on: dependencies point one way, and the README's Layout names every module."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "adapters", "storage")


def modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if p.name != "__init__.py")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_composition_root_imports_adapters_and_storage_imports_no_platform() -> None:
    reaching_up = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "bot").rglob("*.py")
        if any(n.startswith("paperbot.adapters") for n in imported(p))
    }
    assert reaching_up == {"bot/app.py"}
    for path in [*(ROOT / "storage").rglob("*.py"), *(ROOT / "bot").rglob("*.py")]:
        platforms = {n for n in imported(path) if n.split(".")[0] in ("slack_bolt", "slack_sdk", "discord")}
        assert not platforms, f"{path.name} imports {platforms}"
    for path in (ROOT / "storage").rglob("*.py"):
        assert not any(n.startswith("paperbot.adapters") for n in imported(path)), path.name


def layout_paths(readme: str) -> set[str]:
    """The module paths the README's Layout tree names: `folder/` lines, then indented file names."""
    section = readme[readme.index("## Layout") :]
    block = section.split("```")[1]
    folder, paths = "", set()
    for line in block.splitlines():
        entry = line.split("  ")[0] if not line.startswith(" ") else line.strip().split("  ")[0]
        if not line.startswith(" "):
            folder = entry if entry.endswith("/") else ""
            continue
        paths.update(folder + name.strip() for name in entry.split(",") if name.strip().endswith(".py"))
    return paths


def test_readme_layout_names_every_module() -> None:
    listed = layout_paths((ROOT / "README.md").read_text())
    missing = [
        p.relative_to(ROOT).as_posix() for p in modules() if p.relative_to(ROOT).as_posix() not in listed
    ]
    assert not missing, f"README Layout does not list: {missing}"
    gone = sorted(p for p in listed if not (ROOT / p).exists())
    assert not gone, f"README Layout lists modules that do not exist: {gone}"
