"""Migration ``0001_core`` (see ``bot.store.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Runs, their answers, every earlier version of an answer, and delivery keys."""
    db.execute(
        """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            playbook TEXT NOT NULL,
            playbook_version INTEGER NOT NULL,
            user_id TEXT NOT NULL,
            team TEXT,
            status TEXT NOT NULL CHECK (status IN ('active', 'submitted', 'cancelled')),
            cursor TEXT,
            skipped TEXT NOT NULL DEFAULT '[]',
            source TEXT NOT NULL DEFAULT 'terminal',
            meta TEXT NOT NULL DEFAULT '{}',
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            submitted_at TEXT,
            cancelled_at TEXT
        )
        """
    )
    # One active run per user and playbook: starting again offers to resume instead.
    db.execute("CREATE UNIQUE INDEX runs_one_active ON runs (user_id, playbook) WHERE status = 'active'")
    db.execute("CREATE INDEX runs_by_playbook_status ON runs (playbook, status, submitted_at)")
    db.execute("CREATE INDEX runs_by_team ON runs (team, submitted_at)")
    db.execute(
        """
        CREATE TABLE answers (
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            step_id TEXT NOT NULL,
            value TEXT NOT NULL,
            answered_at TEXT NOT NULL,
            PRIMARY KEY (run_id, step_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE answer_history (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            step_id TEXT NOT NULL,
            value TEXT NOT NULL,
            answered_at TEXT NOT NULL,
            replaced_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX answer_history_by_run ON answer_history (run_id, step_id)")
    # Slack retries and double clicks: a delivery key seen once is never processed again.
    db.execute("CREATE TABLE deliveries (key TEXT PRIMARY KEY, received_at TEXT NOT NULL)")
