"""Migration ``0005_recovery`` (see ``bot.store.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Recovering lost revenue: each submitted /recover plan, the opportunities a rep works
    (typed in a plan or imported from a CRM export) and the team's factor weights.

    ``recovery_plans`` is one row per submitted run (written in the submit transaction).
    ``recovery_opportunities`` belong to a person, not a run: a re-import or a later plan
    updates them under their natural key (the normalised account and name), and progress
    (won / lost / moved) is recorded on them. Amounts are JSON amount dicts with the
    currency beside them for filtering; sums happen in bot/domain, never across currencies.
    """
    db.execute(
        """
        CREATE TABLE recovery_plans (
            run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
            user_id TEXT NOT NULL,
            team TEXT,
            currency TEXT NOT NULL,
            lost TEXT NOT NULL,
            retained TEXT NOT NULL,
            unrecovered TEXT NOT NULL,
            pipeline_to_add TEXT NOT NULL,
            multiple REAL NOT NULL,
            source_run_id TEXT,
            message_key TEXT,
            submitted_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX recovery_plans_by_user ON recovery_plans (user_id, submitted_at)")
    db.execute("CREATE INDEX recovery_plans_by_team ON recovery_plans (team, submitted_at)")
    db.execute(
        """
        CREATE TABLE recovery_opportunities (
            id INTEGER PRIMARY KEY,
            user_id TEXT NOT NULL,
            team TEXT,
            key TEXT NOT NULL,
            name TEXT NOT NULL,
            account TEXT,
            amount TEXT NOT NULL,
            currency TEXT NOT NULL,
            probability REAL,
            close_date TEXT,
            stage TEXT,
            strategic_fit REAL,
            relationship REAL,
            effort REAL,
            source TEXT NOT NULL CHECK (source IN ('typed', 'csv')),
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost', 'moved')),
            status_at TEXT,
            won_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (user_id, key)
        )
        """
    )
    db.execute("CREATE INDEX recovery_opportunities_by_team ON recovery_opportunities (team, status)")
    # A member's own factor points; the team's weights are their average unless locked.
    db.execute(
        """
        CREATE TABLE recovery_weights (
            team TEXT NOT NULL,
            user_id TEXT NOT NULL,
            weights TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (team, user_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE recovery_team_settings (
            team TEXT PRIMARY KEY,
            locked_weights TEXT,
            locked_by TEXT,
            locked_at TEXT,
            concentration_threshold REAL,
            updated_by TEXT,
            updated_at TEXT NOT NULL
        )
        """
    )
