"""Read import files one at a time, parsed and mined for acronyms, optionally in a second process ahead
of the writer.

Parsing JSON into papers and mining their acronym definitions is about half of an import's CPU time and
SQLite has one writer, so on a multi-core machine a helper process prepares the next files while this
one writes (measured in bench/import_speed.py). At most `ahead` files wait in memory, so memory stays
flat however many files there are.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from paperbot.bot import aliases
from paperbot.bot.sources.files import ImportBatch, load_file

logger = logging.getLogger(__name__)

PARALLEL_FROM_BYTES = 8 * 2**20  # below this, starting a helper process costs more than it saves
AHEAD = 2


@dataclass
class PreparedFile:
    path: Path
    batch: ImportBatch
    defined: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # paper id -> (short, long)


def prepare(path: Path, day: str | None) -> PreparedFile:
    """One file parsed, with what each of its papers defines. Raises FileImportError."""
    batch = load_file(path, day)
    return PreparedFile(path, batch, aliases.mine_by_paper(batch.papers))


def read_files(paths: Sequence[Path], day: str | None = None, ahead: int = AHEAD) -> Iterator[PreparedFile]:
    """Each file prepared in turn, in order, lazily: a file is read only when the consumer is at most
    `ahead` files behind. The first bad file raises FileImportError when the consumer reaches it."""
    size = sum(p.stat().st_size for p in paths if p.is_file())
    if ahead < 1 or len(paths) < 2 or size < PARALLEL_FROM_BYTES:
        for path in paths:
            yield prepare(path, day)
        return
    # spawn, not fork: the writer has an open database and rich's refresh thread.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        queue: deque[Future[PreparedFile]] = deque()
        upcoming = iter(paths)
        try:
            for path in upcoming:
                queue.append(pool.submit(prepare, path, day))
                if len(queue) > ahead:
                    yield queue.popleft().result()
            while queue:
                yield queue.popleft().result()
        finally:
            for future in queue:
                future.cancel()
