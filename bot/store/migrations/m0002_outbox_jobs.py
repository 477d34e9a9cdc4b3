"""Migration ``0002_outbox_jobs`` (see ``bot.store.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """The outbox (every Web API call after the ack), scheduled reminders, and job claims.

    Natural keys (``outbox.key``, ``reminders.key``, ``job_runs.key``) make every write a
    no-op on retry, so a restart, a late catch-up or a second instance cannot act twice.
    """
    db.execute(
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            method TEXT NOT NULL,
            payload TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            lease_until TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            result TEXT,
            run_id TEXT,
            team TEXT
        )
        """
    )
    # The sender's one query: what is due (pending by time, sending by expired lease).
    db.execute("CREATE INDEX outbox_due ON outbox (status, next_attempt_at)")
    db.execute("CREATE INDEX outbox_by_run ON outbox (run_id)")
    db.execute(
        """
        CREATE TABLE reminders (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            run_id TEXT,
            team TEXT,
            user_id TEXT,
            due_at TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'cancelled')),
            created_at TEXT NOT NULL,
            done_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX reminders_due ON reminders (status, due_at)")
    db.execute("CREATE INDEX reminders_by_run ON reminders (run_id, status)")
    db.execute(
        """
        CREATE TABLE job_runs (
            key TEXT PRIMARY KEY,
            status TEXT NOT NULL CHECK (status IN ('claimed', 'done')),
            claimed_by TEXT NOT NULL,
            claimed_at TEXT NOT NULL,
            done_at TEXT,
            detail TEXT
        )
        """
    )
