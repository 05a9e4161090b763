"""Progress for long CLI work that reads well both on a terminal and in a log.

On a terminal: rich's transient progress bar. Anywhere else (a pipe, systemd's journal, `docker logs`):
a plain line every `every` units and at the end, never a bar's control characters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress


@contextmanager
def steps(console: Console, label: str, total: int, unit: str, every: int) -> Iterator[Callable[[int], None]]:
    """Yield `advance(n)`. `every=0`: no log lines (the caller prints a line per step itself)."""
    if console.is_terminal:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(label, total=total)
            yield lambda n: bar.advance(task, n)
        return
    done = 0
    shown = 0

    def advance(n: int) -> None:
        nonlocal done, shown
        done += n
        if every and total > every and (done - shown >= every or done >= total):
            shown = done
            console.print(f"{label}: {done:,}/{total:,} {unit}", highlight=False, markup=False)

    yield advance
