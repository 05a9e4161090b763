"""Open the SQLite file, tune it for one writer and many readers, and apply forward migrations."""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from paperbot.storage.schema import MIGRATIONS, SCHEMA_VERSION

logger = logging.getLogger(__name__)


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """Commit on success, roll back on error; inside a transaction already open (an import session),
    join it instead, so the outer one decides whether everything is kept."""
    if db.conn.in_transaction:
        yield
        return
    with db.conn:
        yield


SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = (
    5, 6, 8, 11, 13, 14, 26
)  # fmt: skip
BUSY_TIMEOUT = 30.0  # seconds a statement waits for another process's write lock
PRIVATE = 0o600  # the file holds installed Slack workspace tokens


class DatabaseError(Exception):
    """The database cannot be used; the message is one line naming the file and the fix."""


class SchemaTooNew(DatabaseError):
    pass


def explain(exc: sqlite3.Error, path: str | Path | None) -> DatabaseError:
    """An SQLite error as one line a user can act on."""
    where = str(path) if path else "the database"
    text = str(exc).lower()
    # SQLite's primary result code when the driver gives it (Python 3.11+), else its message's wording:
    # a message such as "phrase queries are not supported (detail!=full)" is not a full disk.
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (SQLITE_BUSY, SQLITE_LOCKED) or "database is locked" in text or "database is busy" in text:
        return DatabaseError(
            f"{where} is locked by another process (waited {BUSY_TIMEOUT:g} s); "
            "stop the other paperbot or sqlite3 session, or try again"
        )
    if code == SQLITE_FULL or "disk is full" in text:
        return DatabaseError(
            f"{where}: the disk is full; free some space and retry (the write was rolled back)"
        )
    if code == SQLITE_READONLY or "readonly" in text or "read-only" in text:
        return DatabaseError(
            f"{where} cannot be written (read-only file or filesystem); make it writable or set PAPERBOT_DB "
            "to a writable place"
        )
    if code == SQLITE_CANTOPEN or "unable to open" in text:
        return DatabaseError(
            f"{where} cannot be opened or created; check the folder is writable and PAPERBOT_DB names a file"
        )
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB) or any(
        w in text for w in ("not a database", "malformed", "corrupt")
    ):
        return DatabaseError(
            f"{where} is not a paperbot database or is damaged ({exc}); restore a backup, or set PAPERBOT_DB "
            "to a new file"
        )
    return DatabaseError(f"{where}: database error ({exc})")


def schema_version(db: sqlite_utils.Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite_utils.Database) -> int:
    """Apply every migration newer than the file's user_version, all in one transaction taken with the
    write lock: a process killed part-way leaves the file as it was, and of two processes opening an old
    file at once one migrates while the other waits, then finds it done."""
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"{_name(db)}: database schema v{current} is newer than this paperbot (v{SCHEMA_VERSION}); "
            "upgrade paperbot"
        )
    if current == SCHEMA_VERSION:
        return current
    db.execute("BEGIN IMMEDIATE")
    try:
        start = schema_version(db)  # again, under the lock: another process may have migrated meanwhile
        for version in range(start + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version - 1](db)
            db.execute(f"PRAGMA user_version = {version}")
        db.conn.commit()
    except BaseException:
        db.conn.rollback()
        raise
    if start < SCHEMA_VERSION:  # one line however many steps: start-up output stays short
        logger.info("database migrated to schema v%d (from v%d)", SCHEMA_VERSION, start)
    return SCHEMA_VERSION


def _name(db: sqlite_utils.Database) -> str:
    row = db.execute("PRAGMA database_list").fetchone()
    return str(row[2]) if row and row[2] else "the database"


def _private_file(target: Path) -> None:
    """Create the file owner-only (SQLite gives -wal and -shm the same mode); tighten an existing one."""
    if target.is_dir():
        raise DatabaseError(f"{target} is a directory; set PAPERBOT_DB to a file path such as ./paperbot.db")
    try:
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, PRIVATE))
        mode = stat.S_IMODE(target.stat().st_mode)
        if mode & 0o077 and target.stat().st_uid == os.getuid():
            os.chmod(target, PRIVATE)
            logger.info("database %s was readable by others (%o); now %o", target, mode, PRIVATE)
    except OSError as exc:
        unwritable = exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOENT)
        kind = "read-only filesystem or folder" if unwritable else exc.strerror
        raise DatabaseError(
            f"{target} cannot be opened or created ({kind}); make it writable or set PAPERBOT_DB to a "
            "writable place"
        ) from None


def _check_integrity(db: sqlite_utils.Database, target: Path) -> None:
    """quick_check before anything is written: never add to a half-corrupt file."""
    problems = [row[0] for row in db.execute("PRAGMA quick_check(3)").fetchall()]
    if problems != ["ok"]:
        problem = " ".join(problems[-1].split())[:200]
        raise DatabaseError(
            f"{target} failed its integrity check ({problem}); nothing was written: restore a backup, "
            "or set PAPERBOT_DB to a new file"
        )


def open_db(
    path: str | Path | None = None, *, memory: bool = False, check: bool = True
) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the database. `memory=True` is for tests and benchmarks.

    A file that cannot be used raises DatabaseError with one line naming it and the fix. `check=False`
    skips the integrity check (it reads the whole file: seconds at a million papers) for a caller that
    only reads, or whose process already checked the file at start-up."""
    if memory or path is None:
        # Shared by a test with the worker lane it hands the database to (never used at once).
        db = sqlite_utils.Database(sqlite3.connect(":memory:", check_same_thread=False))
        db.execute("PRAGMA foreign_keys = ON")
        migrate(db)
        return db
    target = Path(path)
    if target.parent and not target.parent.exists():
        raise FileNotFoundError(f"folder for the database does not exist: {target.parent}")
    _private_file(target)
    conn = sqlite3.connect(str(target), timeout=BUSY_TIMEOUT, check_same_thread=False)
    try:
        db = sqlite_utils.Database(conn)
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        if check:
            _check_integrity(db, target)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")  # the schema's REFERENCES are meant
        migrate(db)
    except sqlite3.Error as exc:
        conn.close()
        raise explain(exc, target) from None
    except DatabaseError:
        conn.close()
        raise
    return db
