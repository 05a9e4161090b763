"""One delivering process per database: an advisory lock on a file beside it (`paperbot.db.lock`).

The operating system releases an flock when its process dies, even on SIGKILL, so "the lock is free"
proves that no other process is posting; a claim still open then is a crash's leftover, never a live
post. `paperbot run` holds the lock for its whole life; `paperbot deliver` for one pass.

The same kind of lock (`paperbot.db.embed.lock`, EmbedLock) keeps two processes from embedding the same
papers at once (semantic search): the second one leaves the work to the first.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.2


class LockBusy(Exception):
    """Another live process holds the lock; `holder` says which."""

    def __init__(self, doing: str, holder: str) -> None:
        super().__init__(f"another paperbot ({holder or 'unknown process'}) is {doing}")
        self.holder = holder


class DeliveryLock:
    SUFFIX = ".lock"
    DOING = "delivering"

    def __init__(self, database: str | Path | None, role: str) -> None:
        # An in-memory database cannot be shared between processes: nothing to lock.
        # The real path: the same file reached through a symlink or a bind mount must get the same lock.
        self.path = Path(f"{Path(database).resolve()}{self.SUFFIX}") if database is not None else None
        self.doing = f"{self.DOING} from {Path(database).name}" if database is not None else self.DOING
        self.role = role
        self._fd: int | None = None

    def holder(self) -> str:
        """What the holding process wrote when it took the lock (its role, pid and host)."""
        if self.path is None:
            return ""
        try:
            return self.path.read_text(encoding="utf-8", errors="replace").strip()[:200]
        except OSError:
            return ""

    def acquire(self, wait: float = 0.0) -> None:
        """Take the lock, waiting up to `wait` seconds for it; raise LockBusy when it stays taken."""
        if self.path is None or self._fd is not None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockBusy(self.doing, self.holder()) from None
                time.sleep(POLL_SECONDS)
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        os.ftruncate(fd, 0)
        os.write(
            fd, f"paperbot {self.role}, pid {os.getpid()} on {socket.gethostname()}, since {stamp}".encode()
        )
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None or self.path is None


class EmbedLock(DeliveryLock):
    """One process embedding papers per database (the semantic search's vectors)."""

    SUFFIX = ".embed.lock"
    DOING = "embedding papers"
