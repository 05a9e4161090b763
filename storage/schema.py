"""The schema and its forward migrations, one function per version; `storage.db.migrate` applies them.

A migration is appended, never edited: a database records the last version it ran (PRAGMA user_version).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils

from paperbot.storage import title_pairs, vectors

FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"


def _script(db: sqlite_utils.Database, sql: str) -> None:
    """Run each statement of `sql` inside the caller's transaction (executescript would commit first, and
    a migration cut short must leave nothing behind)."""
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in a migration: {statement.strip()[:60]}")


def _v1(db: sqlite_utils.Database) -> None:
    _script(
        db,
        f"""
        -- pk is an explicit INTEGER PRIMARY KEY so VACUUM can never renumber the rows the FTS index points at.
        CREATE TABLE papers (
            pk INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT '',
            authors TEXT,
            authors_text TEXT,
            published_at TEXT,
            upvotes INTEGER,
            comments INTEGER,
            stars INTEGER,
            github_repo TEXT,
            project_page TEXT,
            ai_summary TEXT,
            ai_keywords TEXT,
            keywords_text TEXT,
            organization TEXT,
            source TEXT NOT NULL DEFAULT 'hf',
            added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        );
        CREATE INDEX papers_published ON papers(published_at);
        CREATE VIRTUAL TABLE papers_fts USING fts5(
            title, summary, keywords_text, authors_text,
            content='papers', content_rowid='pk', tokenize='{FTS_TOKENIZER}'
        );
        -- Unstemmed words of titles and keywords: the dictionary typo correction picks replacements from.
        CREATE VIRTUAL TABLE words_fts USING fts5(
            title, keywords_text, content='', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE VIRTUAL TABLE words_vocab USING fts5vocab(words_fts, 'row');
        -- No AFTER INSERT trigger: storage.papers.save_papers indexes new rows in one set-based
        -- INSERT ... SELECT, about three times faster than a trigger firing per row.
        CREATE TRIGGER papers_ad AFTER DELETE ON papers BEGIN
            INSERT INTO papers_fts(papers_fts, rowid, title, summary, keywords_text, authors_text)
            VALUES ('delete', old.pk, old.title, old.summary, old.keywords_text, old.authors_text);
            INSERT INTO words_fts(words_fts, rowid, title, keywords_text)
            VALUES ('delete', old.pk, old.title, old.keywords_text);
        END;
        -- Re-imports mostly refresh counters: only touch the index when indexed text really changed.
        CREATE TRIGGER papers_au AFTER UPDATE ON papers
        WHEN old.title IS NOT new.title OR old.summary IS NOT new.summary
          OR old.keywords_text IS NOT new.keywords_text OR old.authors_text IS NOT new.authors_text
        BEGIN
            INSERT INTO papers_fts(papers_fts, rowid, title, summary, keywords_text, authors_text)
            VALUES ('delete', old.pk, old.title, old.summary, old.keywords_text, old.authors_text);
            INSERT INTO papers_fts(rowid, title, summary, keywords_text, authors_text)
            VALUES (new.pk, new.title, new.summary, new.keywords_text, new.authors_text);
            INSERT INTO words_fts(words_fts, rowid, title, keywords_text)
            VALUES ('delete', old.pk, old.title, old.keywords_text);
            INSERT INTO words_fts(rowid, title, keywords_text) VALUES (new.pk, new.title, new.keywords_text);
        END;

        CREATE TABLE daily (
            day TEXT NOT NULL,
            paper_id TEXT NOT NULL REFERENCES papers(id),
            rank INTEGER NOT NULL,
            upvotes INTEGER NOT NULL DEFAULT 0,
            comments INTEGER NOT NULL DEFAULT 0,
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (day, paper_id)
        ) WITHOUT ROWID;
        CREATE INDEX daily_paper ON daily(paper_id);

        CREATE TABLE fetches (
            day TEXT PRIMARY KEY,
            fetched_at TEXT NOT NULL,
            count INTEGER NOT NULL,
            error TEXT
        );

        -- How many papers define each acronym that way (only new papers are mined, so re-imports add
        -- nothing); built-in seeds count once.
        CREATE TABLE aliases (
            short TEXT NOT NULL,
            long TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (short, long)
        ) WITHOUT ROWID;
        CREATE INDEX aliases_long ON aliases(long, short);

        CREATE TABLE channels (
            key TEXT PRIMARY KEY,
            platform TEXT NOT NULL,
            channel TEXT NOT NULL,
            workspace TEXT NOT NULL DEFAULT '',
            post_time TEXT NOT NULL,
            timezone TEXT NOT NULL,
            days TEXT NOT NULL,
            size INTEGER NOT NULL,
            paused INTEGER NOT NULL DEFAULT 0,
            pause_reason TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE subscriptions (
            channel_key TEXT NOT NULL REFERENCES channels(key),
            topic TEXT NOT NULL,
            created_by TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            PRIMARY KEY (channel_key, topic)
        ) WITHOUT ROWID;

        CREATE TABLE deliveries (
            channel_key TEXT NOT NULL,
            day TEXT NOT NULL,
            status TEXT NOT NULL,
            claimed_at TEXT NOT NULL,
            sent_at TEXT,
            message_ids TEXT NOT NULL DEFAULT '[]',
            papers TEXT NOT NULL DEFAULT '[]',
            covers TEXT NOT NULL DEFAULT '[]',  -- a catch-up digest: the missed days it stands for
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (channel_key, day)
        ) WITHOUT ROWID;
        CREATE TABLE sent_papers (
            channel_key TEXT NOT NULL,
            paper_id TEXT NOT NULL,
            day TEXT NOT NULL,
            PRIMARY KEY (channel_key, paper_id)
        ) WITHOUT ROWID;

        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    )


def _v2(db: sqlite_utils.Database) -> None:
    # Who claimed a delivery, so the pass that settles a crash's leftover can say whose it was.
    db.execute("ALTER TABLE deliveries ADD COLUMN owner TEXT")


def _v3(db: sqlite_utils.Database) -> None:
    # Cards: the paper's social image; a channel may turn images off (`/papers images off`).
    db.execute("ALTER TABLE papers ADD COLUMN thumbnail TEXT")
    db.execute("ALTER TABLE channels ADD COLUMN images INTEGER NOT NULL DEFAULT 1")


def _v4(db: sqlite_utils.Database) -> None:
    # The weekly roll-up: a channel's cadence, since when it has had it (posts owed under the other
    # cadence are not "missed"),
    # and whether it repeats papers the channel already got that week (`/papers weekly all`).
    db.execute("ALTER TABLE channels ADD COLUMN cadence TEXT NOT NULL DEFAULT 'daily'")
    db.execute("ALTER TABLE channels ADD COLUMN cadence_since TEXT")
    db.execute("ALTER TABLE channels ADD COLUMN weekly_all INTEGER NOT NULL DEFAULT 0")


def _follows(db: sqlite_utils.Database) -> None:
    # Authors and organisations a channel follows (key: the folded name matched on), and the channel's
    # alert and follow-up options. Alerts themselves are rows of `deliveries` (day "alert:..."), so the
    # one ledger decides what was sent.
    _script(
        db,
        """
        CREATE TABLE follows (
            channel_key TEXT NOT NULL,
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            name TEXT NOT NULL,
            created_by TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            PRIMARY KEY (channel_key, kind, key)
        ) WITHOUT ROWID;
        CREATE TABLE follow_options (
            channel_key TEXT PRIMARY KEY,
            alerts TEXT NOT NULL DEFAULT 'now',
            followups INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX papers_added ON papers(added_at);
        """,
    )


def _votes(db: sqlite_utils.Database) -> None:
    # Channel taste: one vote per person per paper per channel.
    _script(
        db,
        """
        CREATE TABLE votes (
            channel_key TEXT NOT NULL,
            paper_id TEXT NOT NULL,
            user TEXT NOT NULL,
            value INTEGER NOT NULL CHECK (value IN (-1, 1)),
            voted_at TEXT NOT NULL,
            PRIMARY KEY (channel_key, paper_id, user)
        ) WITHOUT ROWID;
        """,
    )


def _followups(db: sqlite_utils.Database) -> None:
    # Follow-ups: what a channel had seen of each posted paper when it first looked (only later changes
    # are news), which follow-up post carried which event (whether it was sent is the ledger's answer),
    # the thread a follow-up replies in (so a crash is settled by looking in that thread), and each
    # channel's milestones.
    _script(
        db,
        """
        CREATE TABLE followup_baseline (
            channel_key TEXT NOT NULL,
            paper_id TEXT NOT NULL,
            code INTEGER NOT NULL,
            page INTEGER NOT NULL,
            upvotes INTEGER NOT NULL,
            stars INTEGER NOT NULL,
            PRIMARY KEY (channel_key, paper_id)
        ) WITHOUT ROWID;
        CREATE TABLE followup_events (
            channel_key TEXT NOT NULL,
            paper_id TEXT NOT NULL,
            event TEXT NOT NULL,
            slot TEXT NOT NULL,
            PRIMARY KEY (channel_key, paper_id, event, slot)
        ) WITHOUT ROWID;
        ALTER TABLE deliveries ADD COLUMN thread TEXT;
        ALTER TABLE follow_options ADD COLUMN upvotes_mark INTEGER NOT NULL DEFAULT 100;
        ALTER TABLE follow_options ADD COLUMN stars_mark INTEGER NOT NULL DEFAULT 1000;
        """,
    )


def _title_pairs(db: sqlite_utils.Database) -> None:
    # Title phrases looked up as pairs of adjacent words (storage.title_pairs): about a second a 100k
    # papers. The pairs are made in Python, so a changed title is noted here and re-indexed by save_papers.
    db.execute(title_pairs.CREATE)
    _script(
        db,
        """
        CREATE TABLE retitled (pk INTEGER PRIMARY KEY, old_title TEXT NOT NULL);
        CREATE TRIGGER papers_retitled AFTER UPDATE OF title ON papers WHEN old.title IS NOT new.title
        BEGIN
            INSERT OR IGNORE INTO retitled(pk, old_title) VALUES (old.pk, old.title);
        END;
        """,
    )
    title_pairs.fill(db)


def _vectors(db: sqlite_utils.Database) -> None:
    _script(db, vectors.CREATE)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _v1, _v2, _v3, _v4, _follows, _followups, _votes, _title_pairs, _vectors
]  # fmt: skip
SCHEMA_VERSION = len(MIGRATIONS)
