"""The terminal adapter's panels at a common terminal width."""

from __future__ import annotations

import io

from rich.console import Console

from paperbot.adapters.console import render_digest
from paperbot.bot.models import Digest

FOOTER = (
    "Hugging Face Daily Papers · /papers subscribe <topic> to lead with what your team follows · "
    "/papers schedule HH:MM Area/City to move the post"
)


def test_footer_is_never_cut_at_80_columns() -> None:
    console = Console(file=io.StringIO(), width=80, color_system=None)
    console.print(
        render_digest(Digest(title="Trending AI papers", day="2026-06-10", cards=(), footer=FOOTER))
    )
    shown = " ".join(console.file.getvalue().replace("│", " ").split())  # type: ignore[attr-defined]
    assert " ".join(FOOTER.split()) in shown
    assert all(len(line) <= 80 for line in console.file.getvalue().splitlines())  # type: ignore[attr-defined]
