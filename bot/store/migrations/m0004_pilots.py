"""Migration ``0004_pilots`` (see ``bot.store.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Pilots agreed with /pilot-plan: every version of the agreement, each recorded outcome, the cost.

    A pilot outlives its runs: editing the plan submits a new run, which becomes the next
    version. ``pilots`` keeps the facts the summaries filter on (dates, values, open items,
    latest outcome) so weekly and quarter views need no JSON digging. Deleting a person's
    runs (privacy) deletes their pilots with them.
    """
    db.execute(
        """
        CREATE TABLE pilots (
            id TEXT PRIMARY KEY,
            team TEXT,
            user_id TEXT NOT NULL,
            account TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('open', 'extended', 'closed', 'cancelled')),
            version INTEGER NOT NULL,
            current_run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            start_date TEXT NOT NULL,
            end_date TEXT NOT NULL,
            deal_value TEXT,
            pilot_fee TEXT,
            gap_count INTEGER NOT NULL DEFAULT 0,
            outcome_round INTEGER NOT NULL DEFAULT 0,
            outcome TEXT,
            action TEXT,
            cost TEXT,
            debrief_run_id TEXT,
            meta TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            closed_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX pilots_by_team_dates ON pilots (team, end_date, start_date)")
    db.execute("CREATE INDEX pilots_by_user ON pilots (user_id, status)")
    db.execute(
        """
        CREATE TABLE pilot_versions (
            pilot_id TEXT NOT NULL REFERENCES pilots (id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            run_id TEXT NOT NULL UNIQUE REFERENCES runs (id) ON DELETE CASCADE,
            submitted_at TEXT NOT NULL,
            submitted_by TEXT NOT NULL,
            gaps TEXT NOT NULL DEFAULT '[]',
            changed TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (pilot_id, version)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE pilot_outcomes (
            id INTEGER PRIMARY KEY,
            pilot_id TEXT NOT NULL REFERENCES pilots (id) ON DELETE CASCADE,
            round INTEGER NOT NULL,
            run_id TEXT NOT NULL,
            outcome TEXT NOT NULL
                CHECK (outcome IN ('all_met', 'partly_met', 'not_met', 'inconclusive', 'blocked')),
            agreed_action TEXT,
            action TEXT,
            decided_by TEXT,
            measurements TEXT NOT NULL DEFAULT '[]',
            recorded_by TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            action_at TEXT,
            UNIQUE (pilot_id, round)
        )
        """
    )
    db.execute("CREATE INDEX pilot_outcomes_by_time ON pilot_outcomes (recorded_at)")
