"""The running bot's one owner of the database: every SQLite call it makes runs on a worker thread.

The event loop never touches SQLite, so a platform's acknowledgement never waits on a lock held by
another process (a `paperbot import` from cron) or on a large delivery pass. Three lanes, each one
thread with its own connection: `reads` for the commands people type that only look (searches, help,
status), `writes` for the ones that change a channel, `background` for delivery, fetches and scheduling.
A search therefore never queues behind a fan-out to thousands of channels, nor behind a `subscribe`
waiting for another process's write lock; the connections meet only in SQLite's own locking (WAL:
readers never wait for a writer).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Concatenate, ParamSpec, TypeVar

import sqlite_utils

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
Opener = Callable[[], sqlite_utils.Database]


class Lane:
    """One thread, one connection; calls run in the order they were made."""

    def __init__(self, open_db: Opener, name: str) -> None:
        self._open = open_db
        self._db: sqlite_utils.Database | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"paperbot-db-{name}")

    def _db_here(self) -> sqlite_utils.Database:
        if self._db is None:
            self._db = self._open()
        return self._db

    def _call(self, fn: Callable[..., T], args: tuple[object, ...], kwargs: dict[str, object]) -> T:
        return fn(self._db_here(), *args, **kwargs)

    async def __call__(
        self, fn: Callable[Concatenate[sqlite_utils.Database, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`await lane(storage_function, *args)` runs `storage_function(db, *args)` on the lane's thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(self._call, fn, args, kwargs))

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def close(self) -> None:
        """Close the connection on its own thread after the calls already queued; later calls fail."""
        self._executor.submit(self._close)
        self._executor.shutdown(wait=True, cancel_futures=False)


class DatabaseOwner:
    """The lanes of one database file, each connection opened lazily on its own thread."""

    def __init__(self, open_db: Opener) -> None:
        self.reads = Lane(open_db, "reads")
        self.writes = Lane(open_db, "writes")
        self.background = Lane(open_db, "background")

    def close(self) -> None:
        for lane in (self.reads, self.writes, self.background):
            lane.close()
