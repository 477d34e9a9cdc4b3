"""Migration ``0003_reports`` (see ``bot.store.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """The debrief facts the weekly summaries aggregate, and managers' reviews of debriefs.

    ``debrief_facts`` is derived from a submitted debrief run (one row per run, written in the
    submit transaction and rebuilt from the run if missing), so the weekly numbers are plain
    GROUP BYs over typed columns instead of pivots over JSON answers. Amounts are integer
    cents, so SQL sums are exact; ``week`` is the ISO week of submission in the team's time
    zone, so each debrief belongs to exactly one team summary.
    """
    db.execute(
        """
        CREATE TABLE debrief_facts (
            run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
            team TEXT,
            user_id TEXT NOT NULL,
            week TEXT NOT NULL,
            submitted_at TEXT NOT NULL,
            deal TEXT NOT NULL,
            account TEXT,
            amount_cents INTEGER,
            currency TEXT,
            retained_cents INTEGER,
            retained_currency TEXT,
            unrecovered_cents INTEGER,
            primary_reason TEXT NOT NULL,
            other_reasons TEXT NOT NULL DEFAULT '[]',
            competitor TEXT,
            gap TEXT,
            avoidable INTEGER,
            stage_lost TEXT,
            close_date TEXT,
            to_product INTEGER NOT NULL DEFAULT 0,
            to_enablement INTEGER NOT NULL DEFAULT 0,
            detail TEXT NOT NULL DEFAULT '{}'
        )
        """
    )
    db.execute("CREATE INDEX debrief_facts_by_team_week ON debrief_facts (team, week)")
    db.execute("CREATE INDEX debrief_facts_by_week ON debrief_facts (week)")
    db.execute(
        """
        CREATE TABLE debrief_reviews (
            run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
            team TEXT,
            reviewed_by TEXT,
            reviewed_at TEXT,
            one_on_one_by TEXT,
            one_on_one_at TEXT
        )
        """
    )
